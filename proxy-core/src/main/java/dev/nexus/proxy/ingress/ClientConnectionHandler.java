package dev.nexus.proxy.ingress;

import dev.nexus.proxy.ProxyServices;

import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.policy.pattern.PathAmbiguity;
import dev.nexus.proxy.ProxySettings;
import dev.nexus.proxy.decision.ConnectionSelection;
import dev.nexus.proxy.identity.AgentIdentity;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.identity.ProxyAuthChallenge;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.relay.ClientSide;
import dev.nexus.proxy.relay.ConnectTunnel;
import dev.nexus.proxy.relay.ErrorResponses;
import dev.nexus.proxy.relay.ForwardExchange;
import dev.nexus.proxy.relay.ReadGate;
import dev.nexus.proxy.relay.TunnelRelay;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpVersion;
import dev.nexus.proxy.tls.InterceptingTlsHandler;
import dev.nexus.proxy.upstream.UpstreamPool;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One agent connection: takes decoded requests one at a time, asks the policy, and hands each to a
 * {@link ForwardExchange} or {@link ConnectTunnel}. Requests pipelined behind the current one wait
 * their turn with reading paused. Malformed input, timeouts and denials are answered here, before
 * any upstream work. A new instance per connection; all state is confined to its event loop.
 */
public final class ClientConnectionHandler extends ChannelInboundHandlerAdapter implements ClientSide {


    /** How long a closing connection keeps draining the agent's unread bytes. */
    private static final long LINGER_MILLIS = 2000;

    private final ProxyServices services;
    private final ProxySettings settings;
    private final ProxyEvents events;
    private final RequestFramingGuard guard;
    private final RequestTargets targets;

    private ChannelHandlerContext ctx;
    private ReadGate readGate;
    private ForwardExchange exchange;
    private ConnectTunnel tunnel;
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    private boolean processingQueue;
    private boolean identifying;
    private boolean draining;
    private boolean closing;

    /**
     * @param guard       the framing guard in front of this connection's HTTP decoder
     * @param targets     how this connection's requests name their destination (forward proxy, intercepted
     *                    CONNECT, transparent redirect)
     */
    public ClientConnectionHandler(ProxyServices services, RequestFramingGuard guard, RequestTargets targets) {
        this.services = services;
        this.settings = services.settings();
        this.events = services.events();
        this.guard = guard;
        this.targets = targets;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.readGate = new ReadGate(ctx.channel());
        if (targets.continuesConnection()) {
            services.tracker().register(ctx.channel(), this); // the connection was counted when it opened
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        events.clientConnectionOpened();
        services.tracker().register(ctx.channel(), this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject httpObject) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busyWithEarlierRequest()) {
            queued.add(httpObject);
            readGate.close(ReadGate.REQUEST_QUEUED);
            return;
        }
        dispatch(httpObject);
    }

    /** An exchange whose request is fully read, or a tunnel being set up: later input must wait. */
    private boolean busyWithEarlierRequest() {
        return identifying || tunnel != null || (exchange != null && exchange.requestComplete());
    }

    private void dispatch(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                rejectMalformed(describeDecoderFailure(request.decoderResult()));
                return;
            }
            startRequest(request);
        }
        if (msg instanceof HttpContent content) {
            if (exchange != null) {
                exchange.onRequestContent(content);
            } else {
                content.release(); // the body of a request that was already answered locally
            }
        }
    }

    private void startRequest(HttpRequest request) {
        boolean connect = request.method().equals(HttpMethod.CONNECT);
        RequestTarget target;
        try {
            target = targets.resolve(request);
        } catch (RequestTarget.InvalidTargetException e) {
            rejectMalformed(new MalformedRequestException(MalformedReason.INVALID_TARGET, e.getMessage()));
            return;
        }
        CompletableFuture<IdentityResolver.Resolution> identity =
                AgentIdentification.identify(services.agents(), ctx.channel(), request);
        if (identity.isDone()) {
            onIdentified(request, target, connect, identity.join());
            return;
        }
        // A password hash is being checked off the event loop: this request's body waits in the queue.
        identifying = true;
        readGate.close(ReadGate.AWAITING_IDENTITY);
        identity.whenComplete((resolution, error) -> ctx.executor().execute(() -> {
            identifying = false;
            readGate.open(ReadGate.AWAITING_IDENTITY);
            if (!ctx.channel().isActive()) {
                return;
            }
            onIdentified(request, target, connect, error == null ? resolution : new IdentityResolver.Busy());
            processQueue();
        }));
    }

    private void onIdentified(HttpRequest request, RequestTarget target, boolean connect,
                              IdentityResolver.Resolution resolution) {
        String scheme = connect ? "https" : target.scheme();
        if (resolution instanceof IdentityResolver.Identified identified) {
            route(request, target, connect, scheme, identified.identity());
            return;
        }
        AuditOutcome outcome;
        AgentMetrics.Denial denial;
        if (resolution instanceof IdentityResolver.ProxyAuthRequired required) {
            outcome = AuditOutcome.PROXY_AUTH_REQUIRED;
            denial = AgentMetrics.Denial.PROXY_AUTH;
            respondLocally(request, target, scheme, null, "error", connect,
                    close -> ProxyAuthChallenge.response(ctx.alloc(), close));
            audit(AuditEvent.builder(outcome).reason(required.reason().name().toLowerCase(Locale.ROOT)), request, target,
                    scheme, null);
        } else if (resolution instanceof IdentityResolver.Busy) {
            respondError(request, target, scheme, null, connect, HttpResponseStatus.SERVICE_UNAVAILABLE, "busy",
                    "agent credentials cannot be checked right now; retry shortly");
            return;
        } else {
            outcome = AuditOutcome.UNIDENTIFIED;
            denial = AgentMetrics.Denial.UNIDENTIFIED;
            respondError(request, target, scheme, null, connect, HttpResponseStatus.FORBIDDEN, "unknown_agent",
                    "no configured identity method names this agent");
            audit(AuditEvent.builder(outcome), request, target, scheme, null);
        }
        services.agents().metrics().denied(services.agents().labels().label(null), null, denial);
    }

    /** The agent is known: ask the policy and hand the request to an exchange or tunnel. */
    private void route(HttpRequest request, RequestTarget target, boolean connect, String scheme, AgentIdentity agent) {
        String path = connect ? null : target.path();
        Decision decision = services.policy().decide(new PolicyRequest(AgentIdentification.policyName(agent), scheme,
                target.host(), target.port(), request.method().name(), path));
        String agentLabel = services.agents().labels().label(agent);
        services.agents().metrics().requested(agentLabel, decision.routeName());
        if (decision instanceof Decision.Deny deny) {
            services.agents().metrics().denied(agentLabel, deny.routeName(), AgentMetrics.Denial.POLICY);
            audit(AuditEvent.builder(AuditOutcome.DENIED).decision(deny), request, target, scheme, agent);
            String detail = deny.message() == null ? deny.reason() : deny.reason() + ": " + deny.message();
            boolean ambiguous = PathAmbiguity.reason(path) != null; // the policy refuses such paths: 400, not 403
            respondError(request, target, scheme, deny, connect,
                    ambiguous ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.FORBIDDEN,
                    ambiguous ? "ambiguous_path" : "denied", detail);
            return;
        }
        Decision.Destined destined = (Decision.Destined) decision;
        if (destined instanceof Decision.Inject inject && !connect) {
            ConnectionSelection.Result selection = ConnectionSelection.select(inject, request.headers());
            if (selection instanceof ConnectionSelection.Refused refused) {
                services.agents().metrics().denied(agentLabel, inject.routeName(),
                        AgentMetrics.Denial.CONNECTION_NOT_ALLOWED);
                audit(AuditEvent.builder(AuditOutcome.CONNECTION_NOT_ALLOWED).decision(inject), request, target, scheme,
                        agent);
                respondError(request, target, scheme, inject, false, refused.status(), refused.error(), refused.detail());
                return;
            }
            destined = ((ConnectionSelection.Selected) selection).decision();
        }
        String unavailable = unavailableFeature(destined, connect);
        if (unavailable != null) {
            respondError(request, target, scheme, destined, connect, HttpResponseStatus.NOT_IMPLEMENTED, "not_implemented",
                    "route \"" + destined.routeName() + "\" " + unavailable);
            return;
        }
        services.tracker().busy(1);
        if (connect) {
            if (agent != null) {
                ctx.channel().attr(IdentityResolver.CONNECTION_IDENTITY).set(agent); // requests inside the tunnel
            }
            if (destined.options().interceptTls()) {
                intercept(target, destined);
            } else {
                tunnel = new ConnectTunnel(this, events, pools(), target, destined);
                tunnel.start();
            }
        } else {
            exchange = new ForwardExchange(this, services, pools(), request, target, destined, agent);
            exchange.start();
        }
    }

    private void audit(AuditEvent.Builder event, HttpRequest request, RequestTarget target, String scheme,
                       AgentIdentity agent) {
        services.agents().audit().record(event.agent(agent).destination(scheme, target.host(), target.port())
                .request(request.method().name(), target.pathAndQuery() == null ? null : target.path()).build());
    }

    private UpstreamPool pools() {
        return services.pools().forLoop(ctx.channel().eventLoop());
    }

    /** Why this build cannot serve the decision, or {@code null} when it can. */
    private String unavailableFeature(Decision.Destined decision, boolean connect) {
        if (decision instanceof Decision.Inject && services.injector() == null) {
            return "injects credentials, but no credential source is configured";
        }
        if (connect && decision.options().interceptTls() && services.interception() == null) {
            return "needs TLS interception, which is not configured";
        }
        return null;
    }

    /**
     * The route needs to see inside this CONNECT: answer 200, terminate the agent's TLS with a leaf for the
     * CONNECT host, and serve the decrypted requests with a fresh HTTP stage bound to that destination.
     */
    private void intercept(RequestTarget target, Decision.Destined decision) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ConnectTunnel.ESTABLISHED));
        events.exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), "CONNECT", "https", target.host(), target.port(),
                null, 200, 0, 0, 0, -1, decision.routeName(), ExchangeRecord.decisionLabel(decision)));
        ChannelPipeline pipeline = ctx.pipeline();
        ArrayDeque<ByteBuf> clientHello = guard.takeHeldBytes();
        pipeline.remove(PipelineNames.HEAD_TIMEOUT);
        pipeline.remove(PipelineNames.HTTP_CODEC);
        pipeline.remove(guard);
        pipeline.remove(this);
        services.tracker().busy(-1);
        services.tracker().unregister(this);
        pipeline.addAfter(PipelineNames.IDLE, PipelineNames.INTERCEPT_TLS,
                new InterceptingTlsHandler(target.host(), services.interception()));
        ProxyChannelInitializer.addHttpStage(pipeline, services, new InterceptedOrigin(target.host(), target.port()));
        ChannelHandlerContext idle = pipeline.context(PipelineNames.IDLE);
        ByteBuf bytes;
        while ((bytes = clientHello.poll()) != null) {
            idle.fireChannelRead(bytes);
        }
    }

    private void respondError(HttpRequest request, RequestTarget target, String scheme, Decision decision,
                              boolean forceClose, HttpResponseStatus status, String error, String detail) {
        String route = decision == null ? null : decision.routeName();
        respondLocally(request, target, scheme, route, decision instanceof Decision.Deny ? "deny" : "error", forceClose,
                close -> ErrorResponses.json(ctx.alloc(), status, error, detail,
                        route == null ? Map.of() : Map.of("route", route), close));
    }

    /**
     * Answers without contacting an origin; the connection stays open only when nothing of the request is
     * left unread. {@code response} builds the answer given whether the connection closes after it.
     */
    private void respondLocally(HttpRequest request, RequestTarget target, String scheme, String route,
                                String decisionLabel, boolean forceClose, Function<Boolean, FullHttpResponse> response) {
        boolean bodyPending = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        boolean close = forceClose || bodyPending || draining || !HttpUtil.isKeepAlive(request);
        FullHttpResponse answer = response.apply(close);
        int status = answer.status().code();
        ctx.writeAndFlush(answer);
        events.exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), request.method().name(), scheme, target.host(),
                target.port(), target.pathAndQuery() == null ? null : target.path(), status, 0, 0, 0, -1, route,
                decisionLabel));
        if (close) {
            closeAfterFlush();
        }
    }

    private static MalformedRequestException describeDecoderFailure(DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return new MalformedRequestException(MalformedReason.INITIAL_LINE_TOO_LONG, "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return new MalformedRequestException(MalformedReason.HEADER_TOO_LARGE, "request header block too large");
        }
        String message = cause == null ? null : cause.getMessage();
        return new MalformedRequestException(MalformedReason.INVALID_REQUEST_LINE, message == null ? "malformed request" : message);
    }

    private void rejectMalformed(MalformedRequestException e) {
        events.malformedRequest(e.reason());
        respondAndClose(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
    }

    private void respondAndClose(HttpResponseStatus status, String error, String detail) {
        if (closing) {
            return;
        }
        if (exchange == null && tunnel == null) {
            ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), status, error, detail, true));
        }
        closeAfterFlush();
    }

    /**
     * Lingering close: after the last response, stop sending but keep reading (and discarding) for a
     * moment. Closing with unread request bytes would make the kernel send a reset, which can destroy the
     * response before the agent reads it.
     */
    private void closeAfterFlush() {
        if (closing) {
            return;
        }
        closing = true;
        releaseQueued();
        Channel channel = ctx.channel();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (channel instanceof DuplexChannel duplex && channel.isActive()) {
                duplex.shutdownOutput();
                channel.config().setAutoRead(true);
                channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                channel.close();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof MalformedRequestException malformed) {
            rejectMalformed(malformed);
        } else if (cause instanceof RequestHeadTimeoutHandler.RequestHeadTimeoutException timeout) {
            respondAndClose(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout", timeout.getMessage());
        } else {
            ctx.close(); // I/O errors such as a reset by the agent
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (exchange == null && tunnel == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseQueued();
        if (exchange != null) {
            exchange.onClientClosed();
            exchange = null;
            services.tracker().busy(-1);
        }
        if (tunnel != null) {
            tunnel.onClientClosed();
            tunnel = null;
            services.tracker().busy(-1);
        }
        services.tracker().unregister(this);
        events.clientConnectionClosed();
        ctx.fireChannelInactive();
    }

    private void releaseQueued() {
        HttpObject msg;
        while ((msg = queued.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    // ClientSide: called by the current exchange or tunnel

    @Override
    public ChannelHandlerContext context() {
        return ctx;
    }

    @Override
    public ReadGate readGate() {
        return readGate;
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public void exchangeFinished(boolean keepConnection) {
        if (exchange != null || tunnel != null) {
            services.tracker().busy(-1);
        }
        exchange = null;
        tunnel = null;
        readGate.open(ReadGate.AWAITING_UPSTREAM | ReadGate.PEER_UNWRITABLE);
        if (!keepConnection || draining) {
            closeAfterFlush();
            return;
        }
        processQueue();
    }

    /** Runs the requests that arrived while the previous one was in flight, in order. */
    private void processQueue() {
        if (processingQueue) {
            return;
        }
        processingQueue = true;
        try {
            while (!queued.isEmpty() && !busyWithEarlierRequest() && !closing) {
                dispatch(queued.poll());
            }
        } finally {
            processingQueue = false;
        }
        if (queued.isEmpty()) {
            readGate.open(ReadGate.REQUEST_QUEUED);
        }
    }

    @Override
    public void becomeTunnel(Channel upstream, TunnelRelay.TunnelStats stats) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addLast(PipelineNames.TUNNEL, new TunnelRelay(upstream, stats, true));
        pipeline.replace(PipelineNames.IDLE, PipelineNames.IDLE,
                new IdleStateHandler(0, 0, settings.tunnelIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.remove(PipelineNames.HEAD_TIMEOUT);
        pipeline.remove(this);
        pipeline.remove(PipelineNames.HTTP_CODEC);
        guard.releaseHeldBytes(pipeline.context(guard));
        pipeline.remove(guard);
        exchange = null;
        tunnel = null;
        services.tracker().unregister(this);
        ctx.channel().closeFuture().addListener(closed -> {
            services.tracker().busy(-1);
            events.clientConnectionClosed();
        });
    }

    @Override
    public void resumeHttpAfterRefusedUpgrade() {
        guard.resumeHttp(ctx.pipeline().context(guard));
    }

    /** Called on any thread by shutdown: close now if idle, else after the current response. */
    void startDraining() {
        ctx.executor().execute(() -> {
            draining = true;
            if (exchange == null && tunnel == null && queued.isEmpty() && ctx.channel().isActive()) {
                closeAfterFlush();
            }
        });
    }
}
