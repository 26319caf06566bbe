package dev.nexus.proxy.relay;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.inject.InjectionFailures;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.redact.RedactionFailure;
import dev.nexus.proxy.redact.ResponseRedaction;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.streams.StreamEnd;
import dev.nexus.proxy.upstream.HttpUpstreams;
import dev.nexus.proxy.upstream.UpstreamConnection;
import dev.nexus.proxy.upstream.UpstreamFailure;
import dev.nexus.proxy.upstream.UpstreamHandler;
import dev.nexus.proxy.upstream.UpstreamKey;
import dev.nexus.proxy.upstream.UpstreamStreamReset;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
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
import java.util.Map;

/**
 * One agent request forwarded to its origin and the response relayed back, streaming both ways. It drives
 * the stages in order and owns what they share: the upstream connection (returned to the pool after a
 * clean, complete response, else closed) and the one {@code finished} flag after which every late event
 * is dropped.
 * <ol>
 *   <li>plan and apply ({@link CredentialStage}, inject routes only): credentials settled, the body
 *       collected first when the strategy signs it;</li>
 *   <li>forward request ({@link RequestForwarder}): head and streamed body to the upstream connection;</li>
 *   <li>relay response ({@link ResponseRelay}), or upgrade ({@link WebSocketUpgrade}) on a 101;</li>
 *   <li>replay on 401 ({@link CredentialReplay}, through the credential stage): refresh once and send
 *       again while the body is at hand;</li>
 *   <li>audit and access log, once, when the exchange ends.</li>
 * </ol>
 * A response that cannot complete cleanly closes the agent's connection instead of ending early, so a
 * truncated body never looks complete.
 */
public final class ForwardExchange implements UpstreamHandler.Listener, CredentialStage.Exchange {

    private final ClientSide client;
    private final ChannelHandlerContext clientCtx;
    private final ProxyServices services;
    private final ProxySettings settings;
    private final HttpUpstreams pool;
    private final HttpRequest agentRequest;
    private final RequestTarget target;
    private final Decision.Destined decision;
    private final AgentIdentity agent;
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private final boolean requestHasBody;
    private final boolean webSocketRequested;
    private final boolean upgradeRequested;
    private final GrpcCall grpc;
    private final RequestForwarder forwarder;
    private final UploadShareStage uploadShare;
    private final ResponseRelay response;
    /** Set on {@code inject} routes only. */
    private final CredentialStage credentials;

    /** Set on {@code inject} routes once credentials are applied: the exchange as an open stream. */
    private LiveExchange live;
    private UpstreamConnection upstream;
    private ReadGate upstreamGate;
    private boolean resending;
    private boolean retriedStaleConnection;
    private boolean discardingRejection;
    /** From a swallowed 401 until the request is sent again with refreshed credentials. */
    private boolean refreshing;
    private boolean switchingProtocols;
    private boolean responseStarted;
    private boolean upstreamReusable;
    private boolean closeClient;
    private boolean finished;
    private int status;
    private long bytesIn;
    private long connectNanos = -1;
    private boolean destinationRefused;

    /**
     * @param agent who sent the request ({@code null} when identity is not enforced), for the audit trail
     */
    public ForwardExchange(ClientSide client, ProxyServices services, HttpUpstreams pool, HttpRequest agentRequest,
                           RequestTarget target, Decision.Destined decision, AgentIdentity agent) {
        this.client = client;
        this.clientCtx = client.context();
        this.services = services;
        this.settings = services.settings();
        this.pool = pool;
        this.agentRequest = agentRequest;
        this.target = target;
        this.decision = decision;
        this.agent = agent;
        this.requestHasBody = HttpUtil.isTransferEncodingChunked(agentRequest)
                || HttpUtil.getContentLength(agentRequest, 0L) > 0;
        this.webSocketRequested = HopByHopHeaders.isWebSocketUpgrade(agentRequest.headers());
        this.upgradeRequested = agentRequest.headers().contains(HttpHeaderNames.UPGRADE);
        this.grpc = GrpcCall.of(agentRequest.headers(), target.path());
        this.response = new ResponseRelay(clientCtx, agentRequest, settings.proxyName()); // reads Connection first
        this.forwarder = new RequestForwarder(outboundHead(), requestHasBody, client.readGate());
        this.uploadShare = new UploadShareStage(pool, client.readGate(), forwarder, requestHasBody);
        this.credentials = decision instanceof Decision.Inject inject
                ? new CredentialStage(this, client, services, inject, target, forwarder, requestHasBody)
                : null;
    }

    /** The head as the origin receives it: hop-by-hop headers out, Host and Via set, HTTP/1.1. */
    private HttpRequest outboundHead() {
        HttpHeaders headers = agentRequest.headers();
        HopByHopHeaders.strip(headers, webSocketRequested);
        headers.set(HttpHeaderNames.HOST, target.authority());
        HopByHopHeaders.addVia(headers, client.protocol().viaVersion(agentRequest.protocolVersion()), settings.proxyName());
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, agentRequest.method(), target.pathAndQuery(), headers);
    }

    /** Sends the request on its way; body pieces arriving meanwhile wait in order. */
    public void start() {
        if (credentials == null) {
            acquireUpstream();
        } else {
            credentials.start();
        }
    }

    @Override
    public void proceed() {
        if (live == null) {
            live = LiveExchange.open(services.streams(), clientCtx.channel().eventLoop(), (Decision.Inject) decision,
                    agent, target, credentials.lease().expiresAt(),
                    event -> audit(status > 0 ? event.upstreamStatus(status) : event), this::endStream);
        }
        acquireUpstream();
    }

    /**
     * The proxy ends the exchange before either side did (revoked credential, route lifetime): an answer of its
     * own while the response has not started, else the agent's connection is cut so the body never looks whole.
     * A revocation that reaches an exchange busy refreshing its rejected credential is left to that refresh,
     * whose own answer (the Authority's terminal one, usually the very cause of the revocation) follows.
     *
     * @return whether the exchange was ended here
     */
    private boolean endStream(StreamEnd reason) {
        if (finished || reason == StreamEnd.REVOKED && refreshing) {
            return false;
        }
        upstreamReusable = false;
        if (responseStarted) {
            cutBothConnections();
        } else if (reason == StreamEnd.REVOKED) {
            refuse(credentials.revokedAnswer());
        } else {
            respondError(ErrorCode.UPSTREAM_TIMEOUT, "the route ended the exchange: " + reason.description(), routeField());
        }
        return true;
    }

    @Override
    public boolean finished() {
        return finished;
    }

    /** Whether the request is fully read, for the connection handler's pipelining. */
    public boolean requestComplete() {
        return forwarder.complete();
    }

    /** Whether the whole request can be sent again: complete, and its body (if any) still at hand. */
    private boolean replayable() {
        return forwarder.complete() && (!requestHasBody || credentials != null && credentials.holdsBody());
    }

    /** A request whose body is still arriving first takes its place in the origin's upload share. */
    private void acquireUpstream() {
        UpstreamKey key = new UpstreamKey(target.host(), target.port(), "https".equals(target.scheme()));
        uploadShare.beforeConnecting(key, () -> connectUpstream(key), this::failBeforeResponse);
    }

    /**
     * Reading from the agent pauses only while a connection is really being opened: a pooled connection
     * is handed over at once, and toggling reads costs system calls on every request.
     */
    private void connectUpstream(UpstreamKey key) {
        Future<UpstreamConnection> acquired = pool.acquire(key, decision::mayConnectTo);
        if (!acquired.isDone()) {
            client.readGate().close(ReadGate.AWAITING_UPSTREAM);
        }
        acquired.addListener((FutureListener<UpstreamConnection>) this::onUpstreamAcquired);
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
        forwarder.attach(upstream.channel(), resending && credentials != null ? credentials.bodyToResend() : null, resending);
        client.readGate().open(ReadGate.AWAITING_UPSTREAM);
        client.readGate().set(ReadGate.PEER_UNWRITABLE, !upstream.channel().isWritable());
    }

    /**
     * Sends the request again on another (or the same, released) connection: after a reused connection
     * turned out dead, or after a 401 with refreshed credentials.
     */
    @Override
    public void resend() {
        forwarder.detach();
        upstream = null;
        upstreamGate = null;
        resending = true;
        refreshing = false;
        acquireUpstream();
    }

    /** A piece of the agent's request body (the decoder's output, in order). */
    public void onRequestContent(HttpContent content) {
        if (finished || forwarder.complete()) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            closeClient = true;
            if (!responseStarted) {
                status = 400;
                clientCtx.writeAndFlush(ErrorResponses.json(clientCtx.alloc(), ErrorCode.BAD_REQUEST,
                        "malformed request body", true));
            }
            finish(false);
            return;
        }
        bytesIn += content.content().readableBytes();
        if (credentials != null && credentials.takeBodyPiece(content)) {
            return;
        }
        forwarder.offer(content);
        uploadShare.afterBodyPiece();
        if (upstream != null) {
            client.readGate().set(ReadGate.PEER_UNWRITABLE, !upstream.channel().isWritable());
        }
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

    @Override
    public void onUpstreamRead(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse head) {
            onResponseHead(head);
        }
        if (msg instanceof HttpContent content) {
            onResponseContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onResponseHead(HttpResponse head) {
        if (head.decoderResult().isFailure()) {
            upstreamFailed("the origin sent a malformed response");
            return;
        }
        int code = head.status().code();
        if (code == 401 && credentials != null && credentials.swallowsUnauthorized()) {
            discardingRejection = true; // swallowed: refresh once, replay once
            refreshing = true;
            upstreamReusable = HttpUtil.isKeepAlive(head) && forwarder.complete();
            return;
        }
        if (code == 101) {
            if (!WebSocketUpgrade.accepted(webSocketRequested, head)) {
                upstreamFailed("the origin switched protocols without a WebSocket upgrade");
                return;
            }
            status = 101;
            responseStarted = true;
            switchingProtocols = true;
            WebSocketUpgrade.relaySwitch(clientCtx, head, settings.proxyName(), response.redaction());
            return;
        }
        if (code < 200) {
            if (code == 100) {
                forwarder.onContinue();
            }
            response.relayInterim(head);
            return;
        }
        boolean originKeepsConnection = HttpUtil.isKeepAlive(head);
        grpc.onStatusCarrier(head.headers()); // a trailers-only answer
        if (!response.relayHead(head, forwarder.complete(), client.draining())) {
            upstreamFailedWith(ErrorCode.UNSCANNABLE_RESPONSE, response.redaction().unscannableDetail());
            return;
        }
        status = code;
        responseStarted = true;
        upstreamReusable = originKeepsConnection;
        if (credentials != null) {
            credentials.delivered(code);
        }
    }

    @Override
    public void redactWith(ResponseRedaction redaction) {
        response.redactWith(redaction);
    }

    private void onResponseContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            upstreamFailed("the origin sent a malformed response body");
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (discardingRejection || switchingProtocols) {
            content.release();
            if (last && discardingRejection) {
                retryAfterRejection();
            } else if (last) {
                completeUpgrade();
            }
            return;
        }
        if (last) {
            grpc.onStatusCarrier(((LastHttpContent) content).trailingHeaders());
        }
        try {
            if (response.relayBody(content, upstreamGate)) {
                finish(true);
            }
        } catch (RedactionFailure e) {
            upstreamFailed(e.getMessage());
        }
    }

    private void retryAfterRejection() {
        discardingRejection = false;
        UpstreamConnection used = upstream;
        if (upstreamReusable) {
            used.release();
        } else {
            used.close();
        }
        forwarder.detach();
        upstream = null;
        upstreamGate = null;
        credentials.refreshAfterRejection();
    }

    /** After 101 both connections become one byte relay; the upstream connection leaves the pool for good. */
    private void completeUpgrade() {
        finished = true;
        uploadShare.release();
        WebSocketEnding webSocket = WebSocketUpgrade.becomeRelay(client, upstream.channel(), response.redaction(),
                (fromClient, fromUpstream) -> {
                    if (live != null) {
                        live.closed();
                    }
                    record(bytesIn + fromClient, response.bytesOut() + fromUpstream);
                });
        if (live != null) {
            live.upgraded(webSocket);
        }
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
        if (!finished && forwarder.complete()) {
            upstreamFailedWith(ErrorCode.UPSTREAM_TIMEOUT,
                    "the origin sent nothing for " + settings.responseTimeout().toMillis() + " ms");
        }
    }

    /**
     * The agent stopped sending the request body: 408 (or a cut connection once the response started), and the
     * upstream connection the body was holding is closed, not pooled, so a slow body cannot keep it.
     */
    public void onRequestBodyTimeout(String detail) {
        if (!finished && !forwarder.complete()) {
            upstreamFailedWith(ErrorCode.REQUEST_TIMEOUT, detail);
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (finished) {
            return;
        }
        UpstreamStreamReset reset = cause instanceof UpstreamStreamReset streamReset ? streamReset : null;
        // Sent again once: a reused connection the origin had already closed, or a stream it did not process.
        boolean sendAgain = reset == null ? upstream.connectNanos() == 0 : reset.unprocessed();
        if (!responseStarted && !discardingRejection && sendAgain && replayable() && !retriedStaleConnection) {
            retriedStaleConnection = true;
            resend();
            return;
        }
        if (reset != null && client.resetStream(reset.errorCode())) {
            cutBothConnections(); // the origin reset its HTTP/2 stream: the agent's stream is reset alike
            return;
        }
        upstreamFailed(cause == null ? "the origin closed the connection before the response was complete"
                : "the origin connection failed: " + cause.getMessage());
    }

    private void upstreamFailed(String detail) {
        upstreamFailedWith(ErrorCode.BAD_GATEWAY, detail);
    }

    /** Before the response started the agent gets an error response; after, its connection is cut. */
    private void upstreamFailedWith(ErrorCode error, String detail) {
        upstreamReusable = false;
        if (!responseStarted) {
            respondError(error, detail, routeField());
        } else {
            cutBothConnections();
        }
    }

    /** The response is under way and cannot complete: the agent's connection is cut so it never looks whole. */
    private void cutBothConnections() {
        finished = true;
        releaseStages();
        upstream.close();
        clientCtx.close();
        record(bytesIn, response.bytesOut());
        client.exchangeFinished(false);
    }

    private void failBeforeResponse(Throwable cause) {
        destinationRefused = UpstreamFailure.refusedDestination(cause);
        if (cause instanceof UpstreamFailure failure) {
            respondError(failure.kind().error(), failure.getMessage(), routeField());
        } else {
            respondError(ErrorCode.BAD_GATEWAY, String.valueOf(cause.getMessage()), routeField());
        }
    }

    private Map<String, String> routeField() {
        return decision.routeName() == null ? Map.of() : Map.of("route", decision.routeName());
    }

    @Override
    public void refuse(InjectionFailures.AgentError answer) {
        respondError(answer.status(), answer.error(), answer.detail(), answer.fields(), answer.headers());
    }

    @Override
    public void refuse(ErrorCode error, String detail) {
        respondError(error, detail, routeField());
    }

    private void respondError(ErrorCode error, String detail, Map<String, String> fields) {
        respondError(error.status(), error.code(), detail, fields, Map.of());
    }

    /** @param headers added to the answer, e.g. {@code Retry-After} while the Authority rate-limits */
    private void respondError(HttpResponseStatus errorStatus, String error, String detail, Map<String, String> fields,
                              Map<String, String> headers) {
        if (finished) {
            return;
        }
        if (responseStarted) {
            cutBothConnections(); // too late for an answer of our own
            return;
        }
        status = errorStatus.code();
        closeClient = forwarder.broken() || !forwarder.complete() || !response.clientKeepAlive() || client.draining();
        FullHttpResponse answer = ErrorResponses.json(clientCtx.alloc(), errorStatus, error, detail, fields, closeClient);
        headers.forEach(answer.headers()::set);
        clientCtx.writeAndFlush(response.redaction().error(answer));
        finish(false);
    }

    /** The agent's connection closed: drop everything in flight. */
    public void onClientClosed() {
        if (finished) {
            return;
        }
        finished = true;
        releaseStages();
        if (upstream != null) {
            upstream.close();
        }
        record(bytesIn, response.bytesOut());
    }

    private void finish(boolean responseCompleted) {
        if (finished) {
            return;
        }
        finished = true;
        releaseStages();
        if (upstream != null) {
            if (responseCompleted && upstreamReusable && forwarder.complete()) {
                upstreamGate.open(ReadGate.PEER_UNWRITABLE);
                upstream.release();
            } else {
                upstream.close();
            }
        }
        record(bytesIn, response.bytesOut());
        if (upgradeRequested) {
            client.resumeHttpAfterRefusedUpgrade();
        }
        boolean close = closeClient || responseCompleted && response.closesClient();
        client.exchangeFinished(!close && forwarder.complete());
    }

    @Override
    public void audit(AuditEvent.Builder event) {
        event.agent(agent).destination(target.scheme(), target.host(), target.port())
                .request(agentRequest.method().name(), target.path()).protocol(client.protocol().label());
        if (!grpc.hold(event)) {
            writeAudit(event);
        }
    }

    private void writeAudit(AuditEvent.Builder event) {
        services.agents().audit().record(event.build());
    }

    private void releaseStages() {
        if (live != null) {
            live.closed();
        }
        uploadShare.release();
        forwarder.release();
        if (credentials != null) {
            credentials.release();
        }
    }

    private void record(long in, long out) {
        response.redaction().finish(this::audit);
        grpc.release(this::writeAudit);
        services.events().exchangeCompleted(new ExchangeRecord(startMillis,
                (InetSocketAddress) clientCtx.channel().remoteAddress(), agentRequest.method().name(), target.scheme(),
                target.host(), target.port(), target.path(), status, in, out, System.nanoTime() - startNanos,
                connectNanos, decision.routeName(), ExchangeRecord.decisionLabel(decision, destinationRefused),
                client.protocol().label(), grpc.record()));
    }
}
