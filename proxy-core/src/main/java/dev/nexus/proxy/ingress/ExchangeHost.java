package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.relay.ClientSide;
import dev.nexus.proxy.relay.ForwardExchange;
import dev.nexus.proxy.relay.ReadGate;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.upstream.HttpUpstreams;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * What the last handler of an HTTP stage shares, on an HTTP/1.1 connection ({@link ClientConnectionHandler}) and
 * on an HTTP/2 stream ({@link StreamRequestHandler}), from a request head to the forward stage: it has the
 * request identified and decided ({@link AgentIdentification}, {@link RouteDecision}), runs one
 * {@link ForwardExchange} at a time as that exchange's {@link ClientSide}, passes the agent channel's
 * read-complete, writability and close events on to it, and counts the connection busy while it runs.
 * Confined to the channel's event loop.
 */
abstract class ExchangeHost extends ChannelInboundHandlerAdapter implements ClientSide {

    final ProxyServices services;
    /** This handler's context, from {@link #handlerAdded} on. */
    ChannelHandlerContext ctx;
    private final RouteDecision routing;
    private ReadGate readGate;
    private ForwardExchange exchange;
    private boolean deciding;

    ExchangeHost(ProxyServices services) {
        this.services = services;
        this.routing = new RouteDecision(services);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.readGate = new ReadGate(ctx.channel());
    }

    /**
     * Identifies the request's agent and decides its route, then {@link #serve}s the outcome. Completes at once
     * unless a password hash must be checked off the event loop; meanwhile {@link #deciding()} holds, the
     * subclass keeps later input waiting, and {@link #resumeWaiting()} follows the outcome.
     *
     * @param agentConnection the agent's TCP connection (an HTTP/2 stream's parent)
     */
    final void decide(HttpRequest request, RouteDecision.Head head, Channel agentConnection) {
        deciding = !AgentIdentification.decide(services.agents(), routing, ctx, agentConnection, request, head,
                readGate, new AgentIdentification.Decided() {
                    @Override
                    public void decided(RouteOutcome outcome, boolean resumed) {
                        deciding = false;
                        serve(request, head, outcome);
                        if (resumed) {
                            resumeWaiting();
                        }
                    }

                    @Override
                    public void gone() {
                        deciding = false; // what waits is released when the channel's closing reaches agentGone()
                        ReferenceCountUtil.release(request);
                    }
                });
    }

    /** Whether a request's agent is being identified off the event loop: later input must wait. */
    final boolean deciding() {
        return deciding;
    }

    /** Answers, forwards or tunnels a decided request. */
    abstract void serve(HttpRequest request, RouteDecision.Head head, RouteOutcome outcome);

    /** Hands on the input that waited while the request's agent was identified off the event loop. */
    abstract void resumeWaiting();

    /** Forwards a decided request; the connection counts as busy until {@link #endExchange()}. */
    final void startExchange(HttpRequest request, RequestTarget target, RouteOutcome.Forward forward) {
        services.tracker().busy(1);
        exchange = new ForwardExchange(this, services, upstreams(), request, target, forward.decision(),
                forward.agent());
        exchange.start();
    }

    /** Where this host's exchanges get their upstream connections: HTTP/1.1 unless overridden. */
    HttpUpstreams upstreams() {
        return services.pools().forLoop(ctx.channel().eventLoop());
    }

    /** The exchange in flight, {@code null} between exchanges. */
    final ForwardExchange exchange() {
        return exchange;
    }

    /** The exchange in flight is over: the connection is no longer busy with it. */
    final void endExchange() {
        if (exchange != null) {
            services.tracker().busy(-1);
            exchange = null;
        }
    }

    /** The exchange turned the connection into a byte relay, which keeps it counted busy until it closes. */
    final void handOverExchange() {
        exchange = null;
    }

    /** The agent's channel closed; called before the exchange in flight hears of it. */
    abstract void agentGone();

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
        agentGone();
        if (exchange != null) {
            exchange.onClientClosed(); // the agent closed or reset (RST_STREAM), or its connection went away
            endExchange();
        }
        ctx.fireChannelInactive();
    }

    // ClientSide: called by the exchange in flight

    @Override
    public ChannelHandlerContext context() {
        return ctx;
    }

    @Override
    public ReadGate readGate() {
        return readGate;
    }
}
