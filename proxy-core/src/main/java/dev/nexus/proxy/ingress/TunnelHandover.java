package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.relay.ConnectTunnel;
import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.services.ProxyServices;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetSocketAddress;

/**
 * Where an HTTP/1.1 agent connection stops carrying HTTP, after the decide stage: a CONNECT to relay waits here
 * for its upstream ({@link ConnectTunnel}), a CONNECT to intercept is answered 200 and handed to the stage that
 * serves what comes inside, and a CONNECT 200 or a WebSocket 101 turns the connection into a byte relay.
 * Counts the connection busy from the relayed CONNECT until its relay closes; {@link PipelineSwitch} does the
 * pipeline surgery. One per connection, on its event loop.
 */
final class TunnelHandover {

    private final ClientConnectionHandler connection;
    private final ChannelHandlerContext ctx;
    private final ProxyServices services;
    private final RequestFramingGuard guard;
    private ConnectTunnel tunnel;

    TunnelHandover(ClientConnectionHandler connection, ChannelHandlerContext ctx, ProxyServices services,
                   RequestFramingGuard guard) {
        this.connection = connection;
        this.ctx = ctx;
        this.services = services;
        this.guard = guard;
    }

    /** Whether a relayed CONNECT is being set up: later requests must wait. */
    boolean connecting() {
        return tunnel != null;
    }

    /** Connects to the checked address, answers 200 and relays bytes (or answers the error). */
    void relay(RequestTarget target, RouteOutcome.Tunnel relay) {
        services.tracker().busy(1);
        rememberAgent(relay.agent());
        tunnel = new ConnectTunnel(connection, services, services.pools().forLoop(ctx.channel().eventLoop()), target,
                relay.decision(), relay.agent());
        tunnel.start();
    }

    /** Answers 200 and hands the connection to whatever serves the agent's first bytes inside the tunnel. */
    void intercept(RequestTarget target, RouteOutcome.Intercept intercept) {
        rememberAgent(intercept.agent());
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ConnectTunnel.ESTABLISHED));
        services.events().exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), "CONNECT", "https", target.host(), target.port(),
                null, 200, 0, 0, 0, -1, intercept.decision().routeName(),
                ExchangeRecord.decisionLabel(intercept.decision()), AgentProtocol.H1.label(), null));
        services.tracker().unregister(connection);
        PipelineSwitch.toInterception(ctx.pipeline(), guard, connection, services,
                new TunnelDestination(target.host(), target.port(), intercept.decision().routeName()));
    }

    /** Requests decrypted inside the tunnel carry no Proxy-Authorization: they run as the agent that opened it. */
    private void rememberAgent(AgentIdentity agent) {
        if (agent != null) {
            ctx.channel().attr(IdentityResolver.CONNECTION_IDENTITY).set(agent);
        }
    }

    /** The relayed CONNECT was refused, or the agent left while it was set up. */
    void end() {
        if (tunnel != null) {
            services.tracker().busy(-1);
            tunnel = null;
        }
    }

    void agentGone() {
        if (tunnel != null) {
            tunnel.onClientClosed();
            end();
        }
    }

    /**
     * Replaces the HTTP stage with a relay of bytes to {@code upstream}; the connection stays busy until the
     * relay closes.
     */
    void toByteRelay(Channel upstream, TunnelRelay.TunnelStats stats) {
        PipelineSwitch.toTunnel(ctx.pipeline(), guard, connection, upstream, stats,
                services.settings().tunnelIdleTimeout().toMillis());
        tunnel = null;
        services.tracker().unregister(connection);
        ctx.channel().closeFuture().addListener(closed -> {
            services.tracker().busy(-1);
            services.events().clientConnectionClosed();
        });
    }
}
