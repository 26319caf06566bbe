package dev.nexus.proxy.ingress;

import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.tls.InterceptingTlsHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The two ways an agent connection stops speaking HTTP/1.1 to the proxy, as pipeline surgery: it becomes
 * a byte relay (relayed CONNECT, WebSocket after 101), or a TLS terminator in front of a fresh HTTP stage
 * (intercepted CONNECT). Bytes the agent sent after its request head were held by the framing guard and
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
     * Replaces the HTTP stage with TLS termination for {@code origin} (a leaf minted for its host) and a new
     * HTTP stage bound to that destination, then replays the ClientHello bytes already received.
     */
    static void toInterception(ChannelPipeline pipeline, RequestFramingGuard guard, ClientConnectionHandler handler,
                               ProxyServices services, InterceptedOrigin origin) {
        ArrayDeque<ByteBuf> clientHello = guard.takeHeldBytes();
        pipeline.remove(PipelineNames.HEAD_TIMEOUT);
        pipeline.remove(PipelineNames.HTTP_CODEC);
        pipeline.remove(guard);
        pipeline.remove(handler);
        pipeline.addAfter(PipelineNames.IDLE, PipelineNames.INTERCEPT_TLS,
                new InterceptingTlsHandler(origin.host(), services.interception()));
        ProxyChannelInitializer.addHttpStage(pipeline, services, origin);
        ChannelHandlerContext idle = pipeline.context(PipelineNames.IDLE);
        ByteBuf bytes;
        while ((bytes = clientHello.poll()) != null) {
            idle.fireChannelRead(bytes);
        }
    }
}
