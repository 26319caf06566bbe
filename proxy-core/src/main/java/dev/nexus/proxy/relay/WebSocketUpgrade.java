package dev.nexus.proxy.relay;

import dev.nexus.proxy.redact.ResponseRedaction;
import dev.nexus.proxy.upstream.UpstreamHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The upgrade stage: an origin's {@code 101 Switching Protocols} to a WebSocket request. The 101 is
 * relayed, then (once its empty body has passed) both connections become one byte relay and the
 * upstream connection leaves the pool for good. Any other switch is refused as a bad gateway.
 */
final class WebSocketUpgrade {

    private WebSocketUpgrade() {
    }

    /** Whether {@code response} is a WebSocket 101 the agent asked for. */
    static boolean accepted(boolean webSocketRequested, HttpResponse response) {
        return webSocketRequested && HopByHopHeaders.isWebSocketUpgrade(response.headers());
    }

    /** Relays the 101 head, keeping its upgrade headers. */
    static void relaySwitch(ChannelHandlerContext clientCtx, HttpResponse response, String proxyName,
                            ResponseRedaction redaction) {
        HopByHopHeaders.strip(response.headers(), true);
        HopByHopHeaders.addVia(response.headers(), "1.1", proxyName);
        redaction.headers(response.headers());
        clientCtx.writeAndFlush(response);
    }

    /**
     * Turns the two connections into a relay; what the origin sends is scanned by {@code redaction}.
     *
     * @param record called once when the relay ends, with the bytes relayed each way
     * @return what ends the WebSocket on the proxy's initiative
     */
    static WebSocketEnding becomeRelay(ClientSide client, Channel upstreamChannel, ResponseRedaction redaction,
                                       RelayRecorder record) {
        TunnelRelay.TunnelStats stats = new TunnelRelay.TunnelStats(
                tunnel -> record.relayed(tunnel.bytesFromClient(), tunnel.bytesFromUpstream()));
        WebSocketEnding ending = new WebSocketEnding(client.context().channel());
        upstreamChannel.config().setAutoRead(false);
        upstreamChannel.pipeline().addLast(WebSocketEnding.NAME, ending);
        upstreamChannel.pipeline().addLast("tunnel", new TunnelRelay(client.context().channel(), stats, false));
        redaction.scanUpgraded(upstreamChannel.pipeline(), "tunnel");
        upstreamChannel.pipeline().remove(UpstreamHandler.class);
        upstreamChannel.pipeline().remove("idle");
        upstreamChannel.pipeline().remove("codec");
        client.becomeTunnel(upstreamChannel, stats);
        return ending;
    }

    /** Accounts for a finished relay. */
    @FunctionalInterface
    interface RelayRecorder {
        void relayed(long bytesFromClient, long bytesFromUpstream);
    }
}
