package dev.nexus.proxy.relay;

import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.ProxyEvents;
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
 * {@code 200 Connection Established}, then relay bytes untouched in both directions.
 */
public final class ConnectTunnel {

    /** The answer to a CONNECT the proxy serves, relayed or intercepted. */
    public static final HttpResponseStatus ESTABLISHED = new HttpResponseStatus(200, "Connection Established");

    private final ClientSide client;
    private final ChannelHandlerContext clientCtx;
    private final ProxyEvents events;
    private final UpstreamPool pool;
    private final RequestTarget target;
    private final Decision.Destined decision;
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private long connectNanos = -1;
    private boolean clientClosed;

    public ConnectTunnel(ClientSide client, ProxyEvents events, UpstreamPool pool, RequestTarget target,
                         Decision.Destined decision) {
        this.client = client;
        this.clientCtx = client.context();
        this.events = events;
        this.pool = pool;
        this.target = target;
        this.decision = decision;
    }

    public void start() {
        client.readGate().close(ReadGate.AWAITING_UPSTREAM);
        long connectStart = System.nanoTime();
        pool.connectTunnel(target.host(), target.port(), decision::mayConnectTo)
                .addListener((Future<Channel> f) -> {
                    connectNanos = System.nanoTime() - connectStart;
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
        TunnelRelay.TunnelStats stats = new TunnelRelay.TunnelStats(
                tunnel -> record(200, tunnel.bytesFromClient(), tunnel.bytesFromUpstream()));
        upstream.pipeline().addLast("tunnel", new TunnelRelay(clientCtx.channel(), stats, false));
        client.becomeTunnel(upstream, stats);
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
                decision.routeName(), ExchangeRecord.decisionLabel(decision)));
    }
}
