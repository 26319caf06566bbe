package dev.nexus.proxy.ingress;

import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.proxy.ProxySettings;
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

    private static final HttpResponseStatus CONNECTION_ESTABLISHED = new HttpResponseStatus(200, "Connection Established");

    /** How long a closing connection keeps draining the agent's unread bytes. */
    private static final long LINGER_MILLIS = 2000;

    private final ProxyServices services;
    private final ProxySettings settings;
    private final ProxyEvents events;
    private final RequestFramingGuard guard;
    private final InterceptedOrigin intercepted;

    private ChannelHandlerContext ctx;
    private ReadGate readGate;
    private ForwardExchange exchange;
    private ConnectTunnel tunnel;
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    private boolean processingQueue;
    private boolean draining;
    private boolean closing;

    /**
     * @param guard       the framing guard in front of this connection's HTTP decoder
     * @param intercepted the destination when this handler serves requests decrypted from an intercepted
     *                    CONNECT, else {@code null} (a plain proxy connection)
     */
    public ClientConnectionHandler(ProxyServices services, RequestFramingGuard guard, InterceptedOrigin intercepted) {
        this.services = services;
        this.settings = services.settings();
        this.events = services.events();
        this.guard = guard;
        this.intercepted = intercepted;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.readGate = new ReadGate(ctx.channel());
        if (intercepted != null) {
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
        return tunnel != null || (exchange != null && exchange.requestComplete());
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
            target = targetOf(request, connect);
        } catch (RequestTarget.InvalidTargetException e) {
            rejectMalformed(new MalformedRequestException(MalformedReason.INVALID_TARGET, e.getMessage()));
            return;
        }
        String scheme = connect ? "https" : target.scheme();
        String path = connect ? null : target.path();
        Decision decision = services.policy().decide(new PolicyRequest("", scheme, target.host(), target.port(),
                request.method().name(), path));
        if (decision instanceof Decision.Deny deny) {
            deny(request, target, scheme, deny, connect);
            return;
        }
        Decision.Destined destined = (Decision.Destined) decision;
        String unavailable = unavailableFeature(destined, connect);
        if (unavailable != null) {
            respondLocally(request, target, scheme, decision, HttpResponseStatus.NOT_IMPLEMENTED, "not_implemented",
                    "route \"" + decision.routeName() + "\" " + unavailable, connect);
            return;
        }
        services.tracker().busy(1);
        if (connect && destined.options().interceptTls()) {
            intercept(target, destined);
        } else if (connect) {
            tunnel = new ConnectTunnel(this, events, pools(), target, destined);
            tunnel.start();
        } else {
            exchange = new ForwardExchange(this, settings, events, pools(), services.injector(), request, target,
                    destined);
            exchange.start();
        }
    }

    private UpstreamPool pools() {
        return services.pools().forLoop(ctx.channel().eventLoop());
    }

    private RequestTarget targetOf(HttpRequest request, boolean connect) throws RequestTarget.InvalidTargetException {
        if (intercepted != null) {
            if (connect) {
                throw new RequestTarget.InvalidTargetException("CONNECT inside an intercepted tunnel");
            }
            return intercepted.targetFor(request.uri(), request.headers().get(HttpHeaderNames.HOST));
        }
        return connect ? RequestTarget.parseAuthorityForm(request.uri()) : RequestTarget.parseAbsolute(request.uri());
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
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED));
        events.exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), "CONNECT", "https", target.host(), target.port(),
                null, 200, 0, 0, 0, -1, decision.routeName(), decision instanceof Decision.Inject ? "inject" : "allow"));
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

    private void deny(HttpRequest request, RequestTarget target, String scheme, Decision.Deny deny, boolean connect) {
        String detail = deny.message() == null ? deny.reason() : deny.reason() + ": " + deny.message();
        respondLocally(request, target, scheme, deny, HttpResponseStatus.FORBIDDEN, "denied", detail, connect);
    }

    /** Answers without contacting an origin; the connection stays open only when nothing of the request is left unread. */
    private void respondLocally(HttpRequest request, RequestTarget target, String scheme, Decision decision,
                                HttpResponseStatus status, String error, String detail, boolean forceClose) {
        boolean bodyPending = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        boolean close = forceClose || bodyPending || draining || !HttpUtil.isKeepAlive(request);
        ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), status, error, detail,
                decision.routeName() == null ? Map.of() : Map.of("route", decision.routeName()), close));
        events.exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(), (InetSocketAddress) ctx.channel().remoteAddress(), request.method().name(),
                scheme, target.host(), target.port(), target.pathAndQuery() == null ? null : target.path(), status.code(),
                0, 0, 0, -1, decision.routeName(), decision instanceof Decision.Deny ? "deny" : "error"));
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
