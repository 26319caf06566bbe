package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.ConnectionTracker;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.relay.ForwardExchange;
import dev.nexus.proxy.relay.ReadGate;
import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.services.ProxyServices;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One agent connection, last handler of the HTTP stage: takes decoded requests one at a time, has each
 * identified and decided ({@link RouteDecision}), and hands it to a {@link ForwardExchange} or, for a CONNECT,
 * to {@link TunnelHandover}. Requests pipelined behind the current one wait in {@link PendingRequests}; a
 * connection that is done ends with a {@link LingeringClose}. A new instance per connection, confined to its
 * event loop.
 */
final class ClientConnectionHandler extends ExchangeHost implements ConnectionTracker.Drainable {

    private final RequestFramingGuard guard;
    private final RequestTargets targets;
    private final PendingRequests pending = new PendingRequests();
    private LocalAnswers answers;
    private LingeringClose lingering;
    private TunnelHandover tunnels;
    private boolean draining;

    /**
     * @param guard   the framing guard in front of this connection's HTTP decoder
     * @param targets how this connection's requests name their destination (forward proxy, intercepted
     *                CONNECT, transparent redirect)
     */
    ClientConnectionHandler(ProxyServices services, RequestFramingGuard guard, RequestTargets targets) {
        super(services);
        this.guard = guard;
        this.targets = targets;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        super.handlerAdded(ctx);
        this.answers = new LocalAnswers(ctx, services.events(), AgentProtocol.H1);
        this.lingering = new LingeringClose(ctx, pending);
        this.tunnels = new TunnelHandover(this, ctx, services, guard);
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
        if (!(msg instanceof HttpObject piece) || lingering.closing()) {
            ReferenceCountUtil.release(msg);
        } else if (busyWithEarlierRequest()) {
            pending.add(piece);
            readGate().close(ReadGate.REQUEST_QUEUED);
        } else {
            dispatch(piece);
        }
    }

    /** A request being identified, an exchange whose request is fully read, or a tunnel being set up. */
    private boolean busyWithEarlierRequest() {
        return deciding() || tunnels.connecting() || (exchange() != null && exchange().requestComplete());
    }

    /** No exchange or tunnel in flight that would answer for itself. */
    private boolean idle() {
        return exchange() == null && !tunnels.connecting();
    }

    private void dispatch(HttpObject piece) {
        if (piece instanceof HttpRequest request) {
            RouteDecision.Head head;
            try {
                head = targets.head(request);
            } catch (MalformedRequestException e) {
                ReferenceCountUtil.release(piece);
                rejectMalformed(e);
                return;
            }
            // While a password hash is checked off the event loop, this request's body waits in the queue.
            decide(request, head, ctx.channel());
        }
        if (piece instanceof HttpContent content) {
            if (exchange() != null) {
                exchange().onRequestContent(content);
            } else {
                content.release(); // the body of a request that was already answered locally
            }
        }
    }

    @Override
    void serve(HttpRequest request, RouteDecision.Head head, RouteOutcome outcome) {
        if (outcome instanceof RouteOutcome.Refuse refusal) {
            String scheme = head.connect() ? "https" : head.target().scheme();
            if (answers.refuse(request, head.target(), scheme, refusal, head.connect() || draining)) {
                lingering.closeAfterFlush();
            }
        } else if (outcome instanceof RouteOutcome.Forward forward) {
            startExchange(request, head.target(), forward);
        } else if (outcome instanceof RouteOutcome.Tunnel relay) {
            tunnels.relay(head.target(), relay);
        } else if (outcome instanceof RouteOutcome.Intercept intercept) {
            tunnels.intercept(head.target(), intercept);
        }
    }

    private void rejectMalformed(MalformedRequestException e) {
        services.events().malformedRequest(e.reason());
        lingering.answerAndClose(ErrorCode.BAD_REQUEST, e.getMessage(), !idle());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof MalformedRequestException malformed) {
            rejectMalformed(malformed);
        } else if (cause instanceof RequestHeadTimeoutHandler.RequestBodyTimeoutException timeout && exchange() != null) {
            exchange().onRequestBodyTimeout(timeout.getMessage());
        } else if (cause instanceof RequestHeadTimeoutHandler.RequestHeadTimeoutException timeout) {
            lingering.answerAndClose(ErrorCode.REQUEST_TIMEOUT, timeout.getMessage(), !idle());
        } else {
            ctx.close(); // I/O errors such as a reset by the agent
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
        } else if (idle()) {
            ctx.close();
        }
    }

    @Override
    void agentGone() {
        pending.releaseAll();
        tunnels.agentGone();
        services.tracker().unregister(this);
        services.events().clientConnectionClosed();
    }

    // ClientSide: called by the current exchange or tunnel

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
        endExchange();
        tunnels.end();
        readGate().open(ReadGate.AWAITING_UPSTREAM | ReadGate.PEER_UNWRITABLE);
        if (!keepConnection || draining) {
            lingering.closeAfterFlush();
            return;
        }
        resumeWaiting();
    }

    /** Runs the requests that arrived while the previous one was in flight, in order. */
    @Override
    void resumeWaiting() {
        pending.run(() -> !busyWithEarlierRequest() && !lingering.closing(), this::dispatch);
        if (pending.isEmpty()) {
            readGate().open(ReadGate.REQUEST_QUEUED);
        }
    }

    @Override
    public void becomeTunnel(Channel upstream, TunnelRelay.TunnelStats stats) {
        tunnels.toByteRelay(upstream, stats);
        handOverExchange();
    }

    @Override
    public void resumeHttpAfterRefusedUpgrade() {
        guard.resumeHttp(ctx.pipeline().context(guard));
    }

    @Override
    public void startDraining() {
        ctx.executor().execute(() -> {
            draining = true;
            if (idle() && pending.isEmpty() && ctx.channel().isActive()) {
                lingering.closeAfterFlush();
            }
        });
    }
}
