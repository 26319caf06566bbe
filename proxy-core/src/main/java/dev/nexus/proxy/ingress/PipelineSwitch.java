package dev.nexus.proxy.ingress;

import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.services.ProxyServices;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The two ways an agent connection stops speaking HTTP/1.1 to the proxy, as pipeline surgery: it becomes
 * a byte relay (relayed CONNECT, WebSocket after 101), or the stage that serves what comes inside an
 * intercepted CONNECT (TLS, plain HTTP, h2c). Bytes the agent sent after its request head were held by the framing guard and
 * go to whatever comes next, never to the old HTTP decoder.
 */
final class PipelineSwitch {

    private PipelineSwitch() {
    }

    /** Replaces the HTTP stage of {@code pipeline} with a relay of bytes to {@code upstream}. */
    static void toTunnel(ChannelPipeline pipeline, RequestFramingGuard guard, ClientConnectionHandler handler,
                         Channel upstream, TunnelRelay.TunnelStats stats, long tunnelIdleMillis) {
        pipeline.addLast(PipelineNames.TUNNEL, new TunnelRelay(upstream, stats, true));
        pipeline.replace(PipelineNames.IDLE, PipelineNames.IDLE,
                new IdleStateHandler(0, 0, tunnelIdleMillis, TimeUnit.MILLISECONDS));
        pipeline.remove(PipelineNames.HEAD_TIMEOUT);
        pipeline.remove(handler);
        pipeline.remove(PipelineNames.HTTP_CODEC);
        guard.releaseHeldBytes(pipeline.context(guard));
        pipeline.remove(guard);
    }

    /**
     * Replaces the HTTP stage with a {@link TunnelContentClassifier} for the tunnel to {@code destination},
     * which installs what serves the agent's first bytes (TLS interception, plain HTTP, h2c), then replays
     * the bytes already received after the CONNECT head.
     */
    static void toInterception(ChannelPipeline pipeline, RequestFramingGuard guard, ClientConnectionHandler handler,
                               ProxyServices services, TunnelDestination destination) {
        ArrayDeque<ByteBuf> early = guard.takeHeldBytes();
        pipeline.remove(PipelineNames.HEAD_TIMEOUT);
        pipeline.remove(PipelineNames.HTTP_CODEC);
        pipeline.remove(guard);
        pipeline.remove(handler);
        pipeline.addAfter(PipelineNames.IDLE, PipelineNames.TUNNEL_CLASSIFIER,
                new TunnelContentClassifier(services, destination));
        ChannelHandlerContext idle = pipeline.context(PipelineNames.IDLE);
        ByteBuf bytes;
        while ((bytes = early.poll()) != null) {
            idle.fireChannelRead(bytes);
        }
    }
}
