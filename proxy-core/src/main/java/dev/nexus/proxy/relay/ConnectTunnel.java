package dev.nexus.proxy.relay;

import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.streams.Registration;
import dev.nexus.proxy.streams.StreamDeadline;
import dev.nexus.proxy.streams.StreamInfo;
import dev.nexus.proxy.streams.StreamKind;
import dev.nexus.proxy.upstream.UpstreamFailure;
import dev.nexus.proxy.upstream.UpstreamPool;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;

/**
 * A {@code CONNECT} the policy allows without interception: connect to the checked address, answer
 * {@code 200 Connection Established}, then relay bytes untouched in both directions. The open tunnel is listed in
 * {@link LiveStreams} (it carries no credential of the proxy's, so no revocation ends it) and closed when the
 * route's {@code max_tunnel_lifetime} passes.
 */
public final class ConnectTunnel {

    /** The answer to a CONNECT the proxy serves, relayed or intercepted. */
    public static final HttpResponseStatus ESTABLISHED = new HttpResponseStatus(200, "Connection Established");

    private final ClientSide client;
    private final ChannelHandlerContext clientCtx;
    private final ProxyEvents events;
    private final LiveStreams streams;
    private final UpstreamPool pool;
    private final RequestTarget target;
    private final Decision.Destined decision;
    private final AgentIdentity agent;
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private long connectNanos = -1;
    private boolean destinationRefused;
    private boolean clientClosed;

    /** @param agent who opened the tunnel ({@code null} when identity is not enforced), for the admin API */
    public ConnectTunnel(ClientSide client, ProxyServices services, UpstreamPool pool, RequestTarget target,
                         Decision.Destined decision, AgentIdentity agent) {
        this.client = client;
        this.clientCtx = client.context();
        this.events = services.events();
        this.streams = services.streams();
        this.pool = pool;
        this.target = target;
        this.decision = decision;
        this.agent = agent;
    }

    public void start() {
        client.readGate().close(ReadGate.AWAITING_UPSTREAM);
        long connectStart = System.nanoTime();
        pool.connectTunnel(target.host(), target.port(), decision::mayConnectTo)
                .addListener((Future<Channel> f) -> {
                    connectNanos = f.isSuccess() ? System.nanoTime() - connectStart : -1; // none made when refused
                    destinationRefused = UpstreamFailure.refusedDestination(f.cause());
                    if (clientClosed) {
                        if (f.isSuccess()) {
                            f.getNow().close();
                        }
                        record(0, 0, 0);
                    } else if (f.isSuccess()) {
                        established(f.getNow());
                    } else {
                        refused(f.cause());
                    }
                });
    }

    private void established(Channel upstream) {
        clientCtx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ESTABLISHED));
        Registration open = register(upstream);
        TunnelRelay.TunnelStats stats = new TunnelRelay.TunnelStats(tunnel -> {
            open.close();
            record(200, tunnel.bytesFromClient(), tunnel.bytesFromUpstream());
        });
        upstream.pipeline().addLast("tunnel", new TunnelRelay(clientCtx.channel(), stats, false));
        client.becomeTunnel(upstream, stats);
    }

    /** Lists the tunnel as open; past the route's lifetime both connections close, which ends the relay. */
    private Registration register(Channel upstream) {
        Instant now = Instant.now();
        StreamInfo info = new StreamInfo(agent, decision.routeName(), null, target.host(), target.port(), now);
        return streams.register(StreamKind.TUNNEL, info, reason -> upstream.eventLoop().execute(() -> {
            upstream.close();
            clientCtx.channel().close();
        }), upstream.eventLoop(), StreamDeadline.forTunnel(decision.options().lifetimes(), now));
    }

    private void refused(Throwable cause) {
        ErrorCode error = cause instanceof UpstreamFailure failure ? failure.kind().error() : ErrorCode.BAD_GATEWAY;
        clientCtx.writeAndFlush(ErrorResponses.json(clientCtx.alloc(), error, String.valueOf(cause.getMessage()),
                decision.routeName() == null ? Map.of() : Map.of("route", decision.routeName()), true));
        record(error.status().code(), 0, 0);
        client.exchangeFinished(false);
    }

    public void onClientClosed() {
        clientClosed = true;
    }

    private void record(int status, long in, long out) {
        events.exchangeCompleted(new ExchangeRecord(start.toEpochMilli(), (InetSocketAddress) clientCtx.channel().remoteAddress(), "CONNECT", "https",
                target.host(), target.port(), null, status, in, out, System.nanoTime() - startNanos, connectNanos,
                decision.routeName(), ExchangeRecord.decisionLabel(decision, destinationRefused),
                AgentProtocol.H1.label(), null));
    }
}
