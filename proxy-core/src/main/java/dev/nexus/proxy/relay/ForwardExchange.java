package dev.nexus.proxy.relay;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.ProxyServices;
import dev.nexus.proxy.ProxySettings;
import dev.nexus.proxy.identity.AgentIdentity;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.observe.audit.AuditTrail;
import dev.nexus.proxy.ingress.RequestTarget;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.decision.NexusControlHeaders;
import dev.nexus.proxy.inject.InjectionFailures;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.strategy.StrategyException;
import dev.nexus.proxy.upstream.UpstreamConnection;
import dev.nexus.proxy.upstream.UpstreamFailure;
import dev.nexus.proxy.upstream.UpstreamHandler;
import dev.nexus.proxy.upstream.UpstreamKey;
import dev.nexus.proxy.upstream.UpstreamPool;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One agent request forwarded to its origin and the origin's response relayed back, streaming in
 * both directions. Owns the upstream connection for its duration and decides at the end whether
 * that connection goes back to the pool (complete response, keep-alive, nothing left unread) or is
 * closed. A response that cannot complete cleanly closes the agent's connection instead of ending
 * early, so a truncated body never looks complete.
 *
 * <p>On an {@code inject} route the request's {@link RequestCredentials} are settled first (the agent's
 * own credentials stripped, the body collected when the strategy signs it, the credentials applied as
 * the last change). An upstream 401 on such a request is not shown to the agent: the lease is
 * refreshed once and the request replayed once, when its body is still at hand.
 */
public final class ForwardExchange implements UpstreamHandler.Listener {

    private final ClientSide client;
    private final ChannelHandlerContext clientCtx;
    private final ProxySettings settings;
    private final ProxyEvents events;
    private final AuditTrail audit;
    private final AgentIdentity agent;
    private final UpstreamPool pool;
    private final HttpRequest agentRequest;
    private final RequestTarget target;
    private final Decision.Destined decision;
    private final String decisionLabel;
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private final boolean clientKeepAlive;
    private final boolean http10Client;
    private final boolean webSocketRequested;
    private final boolean requestHasBody;
    private final boolean upgradeRequested;
    private final CredentialInjector injector;
    /** Set on {@code inject} routes only. */
    private RequestCredentials credentials;

    private HttpRequest outbound;
    private UpstreamConnection upstream;
    private ReadGate upstreamGate;
    private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(4);
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean informational;
    private boolean switchingProtocols;
    private boolean closeClientAfterResponse;
    private boolean upstreamReusable;
    private boolean retriedStaleConnection;
    private boolean finished;
    private boolean collectingSignedBody;
    private boolean resending;
    private boolean discardingRejection;
    private int status;
    private long bytesIn;
    private long bytesOut;
    private long connectNanos = -1;

    /**
     * @param agent who sent the request ({@code null} when identity is not enforced), for the audit trail
     */
    public ForwardExchange(ClientSide client, ProxyServices services, UpstreamPool pool, HttpRequest agentRequest,
                           RequestTarget target, Decision.Destined decision, AgentIdentity agent) {
        this.client = client;
        this.clientCtx = client.context();
        this.settings = services.settings();
        this.events = services.events();
        this.audit = services.agents().audit();
        this.agent = agent;
        this.pool = pool;
        this.agentRequest = agentRequest;
        this.target = target;
        this.decision = decision;
        this.decisionLabel = ExchangeRecord.decisionLabel(decision);
        this.clientKeepAlive = HttpUtil.isKeepAlive(agentRequest);
        this.http10Client = agentRequest.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.webSocketRequested = HopByHopHeaders.isWebSocketUpgrade(agentRequest.headers());
        this.requestHasBody = HttpUtil.isTransferEncodingChunked(agentRequest)
                || HttpUtil.getContentLength(agentRequest, 0L) > 0;
        this.upgradeRequested = agentRequest.headers().contains(HttpHeaderNames.UPGRADE);
        this.injector = services.injector();
    }

    /** Sends the request on its way; body pieces arriving meanwhile wait in order. */
    public void start() {
        outbound = prepareOutbound();
        if (decision instanceof Decision.Inject inject) {
            credentials = new RequestCredentials(injector, inject, target, outbound);
            CompletableFuture<InjectionPlan> planning = credentials.plan();
            if (planning.isDone()) {
                // Steady state: the lease is cached, so the request goes on without a hop through the task queue.
                planning.whenComplete(this::onPlanned);
            } else {
                client.readGate().close(ReadGate.AWAITING_UPSTREAM);
                planning.whenComplete((planned, error) -> clientCtx.executor().execute(() -> onPlanned(planned, error)));
            }
        } else {
            acquireUpstream();
        }
    }

    /** Credentials are at hand (or not): strip, then apply now or once the body to sign is collected. */
    private void onPlanned(InjectionPlan planned, Throwable error) {
        if (finished) {
            return;
        }
        if (error != null) {
            respondInjectionFailure(error);
            return;
        }
        try {
            if (credentials.adopt(planned, requestHasBody, clientCtx.alloc())) {
                collectingSignedBody = true;
                List<HttpContent> arrived = new ArrayList<>(pendingBody);
                pendingBody.clear();
                for (HttpContent content : arrived) {
                    if (finished) {
                        content.release();
                    } else {
                        collectSignedBody(content);
                    }
                }
                if (collectingSignedBody) {
                    client.readGate().open(ReadGate.AWAITING_UPSTREAM);
                }
            } else {
                acquireUpstream();
            }
        } catch (StrategyException e) {
            respondInjectionFailure(e);
        }
    }

    /** Keeps a piece of a body that the strategy signs, within the route's limit; signs and sends at its end. */
    private void collectSignedBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (!credentials.collect(content)) {
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
                    "route \"" + decision.routeName() + "\" signs request bodies of at most "
                            + credentials.maxBodyBytes() + " bytes", routeField());
            return;
        }
        if (last) {
            requestComplete = true;
            collectingSignedBody = false;
            try {
                pendingBody.add(credentials.sign());
            } catch (StrategyException e) {
                respondInjectionFailure(e);
                return;
            }
            acquireUpstream();
        }
    }

    private void respondInjectionFailure(Throwable error) {
        audit(AuditEvent.builder(AuditOutcome.ofFailure(error)).decision(decision));
        respondError(InjectionFailures.describe(error, (Decision.Inject) decision));
    }

    /**
     * Sends the request again on another (or the same, released) connection: after a reused connection
     * turned out dead, or after a 401 with refreshed credentials.
     */
    private void resend() {
        upstream = null;
        upstreamGate = null;
        resending = true;
        LastHttpContent body = credentials == null ? null : credentials.bodyToResend();
        if (body != null) {
            pendingBody.add(body);
        }
        acquireUpstream();
    }

    /** Whether the whole request can be sent again: complete, and its body (if any) still at hand. */
    private boolean replayable() {
        return requestComplete && (!requestHasBody || credentials != null && credentials.holdsBody());
    }

    public boolean requestComplete() {
        return requestComplete;
    }

    /**
     * Reading from the agent pauses only while a connection is really being opened: a pooled connection
     * is handed over at once, and toggling reads costs system calls on every request.
     */
    private void acquireUpstream() {
        Future<UpstreamConnection> acquired = pool.acquire(
                new UpstreamKey(target.host(), target.port(), "https".equals(target.scheme())), decision::mayConnectTo);
        if (!acquired.isDone()) {
            client.readGate().close(ReadGate.AWAITING_UPSTREAM);
        }
        acquired.addListener((FutureListener<UpstreamConnection>) this::onUpstreamAcquired);
    }

    private HttpRequest prepareOutbound() {
        HttpHeaders headers = agentRequest.headers();
        HopByHopHeaders.strip(headers, webSocketRequested);
        NexusControlHeaders.strip(headers);
        headers.set(HttpHeaderNames.HOST, target.authority());
        HopByHopHeaders.addVia(headers, agentRequest.protocolVersion().text().substring(5), settings.proxyName());
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, agentRequest.method(), target.pathAndQuery(), headers);
    }

    private void onUpstreamAcquired(Future<UpstreamConnection> future) {
        if (finished) {
            if (future.isSuccess()) {
                future.getNow().release();
            }
            return;
        }
        if (!future.isSuccess()) {
            failBeforeResponse(future.cause());
            return;
        }
        upstream = future.getNow();
        connectNanos = upstream.connectNanos();
        upstream.attach(this);
        upstreamGate = new ReadGate(upstream.channel());
        Channel channel = upstream.channel();
        channel.write(outbound);
        if (resending && requestComplete && pendingBody.isEmpty()) {
            channel.write(LastHttpContent.EMPTY_LAST_CONTENT); // the first attempt's end went to the earlier connection
        }
        HttpContent content;
        while ((content = pendingBody.poll()) != null) {
            writeBody(content);
        }
        channel.flush();
        client.readGate().open(ReadGate.AWAITING_UPSTREAM);
        client.readGate().set(ReadGate.PEER_UNWRITABLE, !channel.isWritable());
    }

    /** A piece of the agent's request body (the decoder's output, in order). */
    public void onRequestContent(HttpContent content) {
        if (finished || requestComplete) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            requestComplete = true;
            if (!responseStarted) {
                status = 400;
                clientCtx.writeAndFlush(ErrorResponses.json(clientCtx.alloc(), HttpResponseStatus.BAD_REQUEST,
                        "bad_request", "malformed request body", true));
            }
            finish(false);
            return;
        }
        bytesIn += content.content().readableBytes();
        if (collectingSignedBody) {
            collectSignedBody(content);
            return;
        }
        if (upstream == null) {
            pendingBody.add(content);
            if (content instanceof LastHttpContent) {
                requestComplete = true;
            }
            return;
        }
        writeBody(content);
        client.readGate().set(ReadGate.PEER_UNWRITABLE, !upstream.channel().isWritable());
    }

    /** The agent's read burst ended: push what was written upstream. */
    public void onClientReadComplete() {
        if (upstream != null && !finished) {
            upstream.channel().flush();
        }
    }

    public void onClientWritabilityChanged(boolean writable) {
        if (upstreamGate != null && !finished) {
            upstreamGate.set(ReadGate.PEER_UNWRITABLE, !writable);
        }
    }

    private void writeBody(HttpContent content) {
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        upstream.channel().write(content, upstream.channel().voidPromise());
    }

    @Override
    public void onUpstreamRead(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            onResponseHead(response);
        }
        if (msg instanceof HttpContent content) {
            onResponseContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onResponseHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            upstreamFailed("the origin sent a malformed response");
            return;
        }
        int code = response.status().code();
        if (code == 401 && credentials != null && credentials.mayRefreshAfterRejection() && replayable()) {
            // The injected credentials were refused: swallow this answer, refresh once, replay once.
            discardingRejection = true;
            upstreamReusable = HttpUtil.isKeepAlive(response);
            return;
        }
        if (code == 101) {
            onSwitchingProtocols(response);
            return;
        }
        HttpHeaders headers = response.headers();
        HopByHopHeaders.strip(headers, false);
        HopByHopHeaders.addVia(headers, "1.1", settings.proxyName());
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (code < 200) {
            informational = true; // 100 Continue and friends: relayed, then the real response follows
            clientCtx.writeAndFlush(response);
            return;
        }
        status = code;
        responseStarted = true;
        upstreamReusable = HttpUtil.isKeepAlive(response);
        if (credentials != null) {
            audit(credentials.deliveredEvent(code));
        }
        frameForClient(response, code);
        clientCtx.write(response, clientCtx.voidPromise());
    }

    /** Chooses how the body is delimited towards the agent and whether its connection stays open. */
    private void frameForClient(HttpResponse response, int code) {
        HttpHeaders headers = response.headers();
        boolean bodiless = agentRequest.method().equals(HttpMethod.HEAD) || code == 204 || code == 304;
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        if (!bodiless && !chunked && !HttpUtil.isContentLengthSet(response)) {
            // The origin delimits by closing. Re-frame as chunked so that an origin failure mid-body
            // cannot look like a complete response; HTTP/1.0 agents only understand close-delimited.
            if (http10Client) {
                closeClientAfterResponse = true;
            } else {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (chunked && http10Client) {
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeClientAfterResponse = true;
        }
        if (!requestComplete || client.draining() || !clientKeepAlive) {
            closeClientAfterResponse = true;
        }
        if (closeClientAfterResponse) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10Client) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void onResponseContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            upstreamFailed("the origin sent a malformed response body");
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (discardingRejection) {
            content.release();
            if (last) {
                retryAfterRejection();
            }
            return;
        }
        if (switchingProtocols) {
            content.release();
            if (last) {
                completeUpgrade();
            }
            return;
        }
        if (informational) {
            content.release();
            informational = !last;
            return;
        }
        bytesOut += content.content().readableBytes();
        if (last) {
            clientCtx.writeAndFlush(content, clientCtx.voidPromise());
            finish(true);
            return;
        }
        clientCtx.write(content, clientCtx.voidPromise()); // failures surface as exceptionCaught
        if (!clientCtx.channel().isWritable()) {
            upstreamGate.close(ReadGate.PEER_UNWRITABLE);
        }
    }

    private void retryAfterRejection() {
        discardingRejection = false;
        UpstreamConnection used = upstream;
        upstream = null;
        upstreamGate = null;
        if (upstreamReusable) {
            used.release();
        } else {
            used.close();
        }
        credentials.refreshAfterRejection().whenComplete((planned, error) ->
                clientCtx.executor().execute(() -> onReplanned(planned, error)));
    }

    private void onReplanned(InjectionPlan planned, Throwable error) {
        if (finished) {
            return;
        }
        if (error != null) {
            audit(AuditEvent.builder(AuditOutcome.ofFailure(error)).decision(decision));
            respondError(InjectionFailures.refusedAfterRefreshFailed(error, (Decision.Inject) decision));
            return;
        }
        try {
            credentials.adoptRefreshed(planned);
        } catch (StrategyException e) {
            respondInjectionFailure(e);
            return;
        }
        resend();
    }

    private void onSwitchingProtocols(HttpResponse response) {
        if (!webSocketRequested || !HopByHopHeaders.isWebSocketUpgrade(response.headers())) {
            upstreamFailed("the origin switched protocols without a WebSocket upgrade");
            return;
        }
        HttpHeaders headers = response.headers();
        HopByHopHeaders.strip(headers, true);
        HopByHopHeaders.addVia(headers, "1.1", settings.proxyName());
        status = 101;
        responseStarted = true;
        switchingProtocols = true;
        clientCtx.writeAndFlush(response);
    }

    /** After 101 both connections become one byte relay; the upstream connection leaves the pool for good. */
    private void completeUpgrade() {
        finished = true;
        Channel upstreamChannel = upstream.channel();
        Channel clientChannel = clientCtx.channel();
        TunnelRelay.TunnelStats stats = new TunnelRelay.TunnelStats(
                tunnel -> record(bytesIn + tunnel.bytesFromClient(), bytesOut + tunnel.bytesFromUpstream()));
        upstreamChannel.config().setAutoRead(false);
        upstreamChannel.pipeline().addLast("tunnel", new TunnelRelay(clientChannel, stats, false));
        upstreamChannel.pipeline().remove(UpstreamHandler.class);
        upstreamChannel.pipeline().remove("idle");
        upstreamChannel.pipeline().remove("codec");
        client.becomeTunnel(upstreamChannel, stats);
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!finished) {
            clientCtx.flush();
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (!finished) {
            client.readGate().set(ReadGate.PEER_UNWRITABLE, !writable);
        }
    }

    @Override
    public void onUpstreamResponseTimeout() {
        if (!finished && requestComplete) {
            upstreamFailedWith(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout",
                    "the origin sent nothing for " + settings.responseTimeout().toMillis() + " ms");
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        if (!responseStarted && !discardingRejection && upstream.connectNanos() == 0 && replayable()
                && !retriedStaleConnection) {
            // A reused connection the origin had already closed: nothing was processed, send it again once.
            retriedStaleConnection = true;
            resend();
            return;
        }
        upstreamFailed(cause == null ? "the origin closed the connection before the response was complete"
                : "the origin connection failed: " + cause.getMessage());
    }

    private void upstreamFailed(String detail) {
        upstreamFailedWith(HttpResponseStatus.BAD_GATEWAY, "bad_gateway", detail);
    }

    /** Before the response started the agent gets an error response; after, its connection is cut. */
    private void upstreamFailedWith(HttpResponseStatus failureStatus, String error, String detail) {
        upstreamReusable = false;
        if (responseStarted) {
            finished = true;
            releasePending();
            upstream.close();
            clientCtx.close();
            record(bytesIn, bytesOut);
            client.exchangeFinished(false);
            return;
        }
        respondError(failureStatus, error, detail);
    }

    private void failBeforeResponse(Throwable cause) {
        if (cause instanceof UpstreamFailure failure) {
            respondError(failure.kind().status(), failure.kind().code(), failure.getMessage());
        } else {
            respondError(HttpResponseStatus.BAD_GATEWAY, "bad_gateway", String.valueOf(cause.getMessage()));
        }
    }

    private Map<String, String> routeField() {
        return decision.routeName() == null ? Map.of() : Map.of("route", decision.routeName());
    }

    private void respondError(HttpResponseStatus errorStatus, String error, String detail) {
        respondError(errorStatus, error, detail, routeField());
    }

    private void respondError(HttpResponseStatus errorStatus, String error, String detail, Map<String, String> fields) {
        respondError(new InjectionFailures.AgentError(errorStatus, error, detail, fields));
    }

    private void respondError(InjectionFailures.AgentError answer) {
        if (finished) {
            return;
        }
        status = answer.status().code();
        boolean close = !requestComplete || !clientKeepAlive || client.draining();
        FullHttpResponse response = ErrorResponses.json(clientCtx.alloc(), answer.status(), answer.error(),
                answer.detail(), answer.fields(), close);
        answer.headers().forEach(response.headers()::set);
        clientCtx.writeAndFlush(response);
        closeClientAfterResponse = close;
        finish(false);
    }

    /** The agent's connection closed: drop everything in flight. */
    public void onClientClosed() {
        if (finished) {
            return;
        }
        upstreamReusable = false;
        finished = true;
        releasePending();
        if (upstream != null) {
            upstream.close();
        }
        record(bytesIn, bytesOut);
    }

    private void finish(boolean responseCompleted) {
        if (finished) {
            return;
        }
        finished = true;
        releasePending();
        if (upstream != null) {
            if (responseCompleted && upstreamReusable && requestComplete) {
                upstreamGate.open(ReadGate.PEER_UNWRITABLE);
                upstream.release();
            } else {
                upstream.close();
            }
        }
        record(bytesIn, bytesOut);
        if (upgradeRequested) {
            client.resumeHttpAfterRefusedUpgrade();
        }
        client.exchangeFinished(!closeClientAfterResponse && requestComplete);
    }

    private void audit(AuditEvent.Builder event) {
        audit.record(event.agent(agent).destination(target.scheme(), target.host(), target.port())
                .request(agentRequest.method().name(), target.path()).build());
    }

    private void releasePending() {
        HttpContent content;
        while ((content = pendingBody.poll()) != null) {
            content.release();
        }
        if (credentials != null) {
            credentials.release();
        }
    }

    private void record(long in, long out) {
        events.exchangeCompleted(new ExchangeRecord(start.toEpochMilli(), (InetSocketAddress) clientCtx.channel().remoteAddress(),
                agentRequest.method().name(), target.scheme(), target.host(), target.port(), target.path(), status,
                in, out, System.nanoTime() - startNanos, connectNanos, decision.routeName(), decisionLabel));
    }
}
