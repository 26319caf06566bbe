package dev.nexus.proxy.ingress;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.ConnectionTracker;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.proxy.relay.ClientSide;
import dev.nexus.proxy.relay.ConnectTunnel;
import dev.nexus.proxy.relay.ForwardExchange;
import dev.nexus.proxy.relay.ReadGate;
import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.upstream.UpstreamPool;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One agent connection, last handler of the HTTP stage: takes decoded requests one at a time, has each
 * identified and decided ({@link RouteDecision}), and hands it to a {@link ForwardExchange} or
 * {@link ConnectTunnel}, or switches the pipeline to TLS interception. Requests pipelined behind the
 * current one wait in {@link PendingRequests}. A new instance per connection, confined to its event loop.
 */
final class ClientConnectionHandler extends ChannelInboundHandlerAdapter
        implements ClientSide, ConnectionTracker.Drainable {

    /** How long a closing connection keeps draining the agent's unread bytes. */
    private static final long LINGER_MILLIS = 2000;

    private final ProxyServices services;
    private final RouteDecision routing;
    private final RequestFramingGuard guard;
    private final RequestTargets targets;
    private final PendingRequests pending = new PendingRequests();

    private ChannelHandlerContext ctx;
    private ReadGate readGate;
    private LocalAnswers answers;
    private ForwardExchange exchange;
    private ConnectTunnel tunnel;
    private boolean identifying;
    private boolean draining;
    private boolean closing;

    /**
     * @param guard   the framing guard in front of this connection's HTTP decoder
     * @param targets how this connection's requests name their destination (forward proxy, intercepted
     *                CONNECT, transparent redirect)
     */
    ClientConnectionHandler(ProxyServices services, RequestFramingGuard guard, RequestTargets targets) {
        this.services = services;
        this.routing = new RouteDecision(services);
        this.guard = guard;
        this.targets = targets;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.readGate = new ReadGate(ctx.channel());
        this.answers = new LocalAnswers(ctx, services.events(), AgentProtocol.H1);
        if (targets.continuesConnection()) {
            services.tracker().register(ctx.channel(), this); // the connection was counted when it opened
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        services.events().clientConnectionOpened();
        services.tracker().register(ctx.channel(), this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject piece) || closing) {
            ReferenceCountUtil.release(msg);
        } else if (busyWithEarlierRequest()) {
            pending.add(piece);
            readGate.close(ReadGate.REQUEST_QUEUED);
        } else {
            dispatch(piece);
        }
    }

    /** An exchange whose request is fully read, or a tunnel being set up: later input must wait. */
    private boolean busyWithEarlierRequest() {
        return identifying || tunnel != null || (exchange != null && exchange.requestComplete());
    }

    private void dispatch(HttpObject piece) {
        if (piece instanceof HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                ReferenceCountUtil.release(piece);
                rejectMalformed(MalformedRequestException.ofDecoderFailure(request.decoderResult()));
                return;
            }
            startRequest(request);
        }
        if (piece instanceof HttpContent content) {
            if (exchange != null) {
                exchange.onRequestContent(content);
            } else {
                content.release(); // the body of a request that was already answered locally
            }
        }
    }

    private void startRequest(HttpRequest request) {
        RequestTarget target;
        try {
            target = targets.resolve(request);
        } catch (RequestTarget.InvalidTargetException e) {
            rejectMalformed(new MalformedRequestException(MalformedReason.INVALID_TARGET, e.getMessage()));
            return;
        }
        RouteDecision.Head head = new RouteDecision.Head(request.method().name(), target,
                request.method().equals(HttpMethod.CONNECT), request.headers(), AgentProtocol.H1);
        // While a password hash is checked off the event loop, this request's body waits in the queue.
        identifying = !AgentIdentification.decide(services.agents(), routing, ctx, ctx.channel(), request, head,
                readGate, new AgentIdentification.Decided() {
                    @Override
                    public void decided(RouteOutcome outcome, boolean resumed) {
                        identifying = false;
                        serve(request, head, outcome);
                        if (resumed) {
                            processQueue();
                        }
                    }

                    @Override
                    public void gone() {
                        identifying = false;
                    }
                });
    }

    private void serve(HttpRequest request, RouteDecision.Head head, RouteOutcome outcome) {
        RequestTarget target = head.target();
        if (outcome instanceof RouteOutcome.Refuse refusal) {
            String scheme = head.connect() ? "https" : target.scheme();
            if (answers.refuse(request, target, scheme, refusal, head.connect() || draining)) {
                closeAfterFlush();
            }
        } else if (outcome instanceof RouteOutcome.Forward forward) {
            services.tracker().busy(1);
            exchange = new ForwardExchange(this, services, pools(), request, target, forward.decision(),
                    forward.agent());
            exchange.start();
        } else if (outcome instanceof RouteOutcome.Tunnel relay) {
            services.tracker().busy(1);
            rememberAgent(relay.agent());
            tunnel = new ConnectTunnel(this, services, pools(), target, relay.decision(), relay.agent());
            tunnel.start();
        } else if (outcome instanceof RouteOutcome.Intercept intercept) {
            rememberAgent(intercept.agent());
            intercept(target, intercept.decision());
        }
    }

    /** Requests decrypted inside the tunnel carry no Proxy-Authorization: they run as the agent that opened it. */
    private void rememberAgent(AgentIdentity agent) {
        if (agent != null) {
            ctx.channel().attr(IdentityResolver.CONNECTION_IDENTITY).set(agent);
        }
    }

    private UpstreamPool pools() {
        return services.pools().forLoop(ctx.channel().eventLoop());
    }

    /** Answers 200 and hands the connection to whatever serves the agent's first bytes inside the tunnel. */
    private void intercept(RequestTarget target, Decision.Destined decision) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ConnectTunnel.ESTABLISHED));
        services.events().exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), "CONNECT", "https", target.host(), target.port(),
                null, 200, 0, 0, 0, -1, decision.routeName(), ExchangeRecord.decisionLabel(decision),
                AgentProtocol.H1.label(), null));
        services.tracker().unregister(this);
        PipelineSwitch.toInterception(ctx.pipeline(), guard, this, services,
                new TunnelDestination(target.host(), target.port(), decision.routeName()));
    }

    private void rejectMalformed(MalformedRequestException e) {
        services.events().malformedRequest(e.reason());
        respondAndClose(ErrorCode.BAD_REQUEST, e.getMessage());
    }

    private void respondAndClose(ErrorCode error, String detail) {
        if (closing) {
            return;
        }
        if (exchange == null && tunnel == null) {
            ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), error, detail, true));
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
        pending.releaseAll();
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
        } else if (cause instanceof RequestHeadTimeoutHandler.RequestBodyTimeoutException timeout && exchange != null) {
            exchange.onRequestBodyTimeout(timeout.getMessage());
        } else if (cause instanceof RequestHeadTimeoutHandler.RequestHeadTimeoutException timeout) {
            respondAndClose(ErrorCode.REQUEST_TIMEOUT, timeout.getMessage());
        } else {
            ctx.close(); // I/O errors such as a reset by the agent
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
        } else if (exchange == null && tunnel == null) {
            ctx.close();
        }
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
        pending.releaseAll();
        if (exchange != null) {
            exchange.onClientClosed();
        }
        if (tunnel != null) {
            tunnel.onClientClosed();
        }
        endCurrent();
        services.tracker().unregister(this);
        services.events().clientConnectionClosed();
        ctx.fireChannelInactive();
    }

    /** The exchange or tunnel in flight is over: the connection is no longer busy. */
    private void endCurrent() {
        if (exchange != null || tunnel != null) {
            services.tracker().busy(-1);
        }
        exchange = null;
        tunnel = null;
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
    public AgentProtocol protocol() {
        return AgentProtocol.H1;
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public void exchangeFinished(boolean keepConnection) {
        endCurrent();
        readGate.open(ReadGate.AWAITING_UPSTREAM | ReadGate.PEER_UNWRITABLE);
        if (!keepConnection || draining) {
            closeAfterFlush();
            return;
        }
        processQueue();
    }

    /** Runs the requests that arrived while the previous one was in flight, in order. */
    private void processQueue() {
        pending.run(() -> !busyWithEarlierRequest() && !closing, this::dispatch);
        if (pending.isEmpty()) {
            readGate.open(ReadGate.REQUEST_QUEUED);
        }
    }

    @Override
    public void becomeTunnel(Channel upstream, TunnelRelay.TunnelStats stats) {
        PipelineSwitch.toTunnel(ctx.pipeline(), guard, this, upstream, stats,
                services.settings().tunnelIdleTimeout().toMillis());
        exchange = null;
        tunnel = null;
        services.tracker().unregister(this);
        ctx.channel().closeFuture().addListener(closed -> {
            services.tracker().busy(-1);
            services.events().clientConnectionClosed();
        });
    }

    @Override
    public void resumeHttpAfterRefusedUpgrade() {
        guard.resumeHttp(ctx.pipeline().context(guard));
    }

    @Override
    public void startDraining() {
        ctx.executor().execute(() -> {
            draining = true;
            if (exchange == null && tunnel == null && pending.isEmpty() && ctx.channel().isActive()) {
                closeAfterFlush();
            }
        });
    }
}
