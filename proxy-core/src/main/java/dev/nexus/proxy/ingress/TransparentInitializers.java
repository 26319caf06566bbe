package dev.nexus.proxy.ingress;

import dev.nexus.proxy.services.ProxyServices;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * Pipelines of the transparent listeners, which receive traffic iptables redirected from an agent's
 * network namespace: plain HTTP is routed by its {@code Host} header through the usual HTTP stage, TLS by
 * the server name in its ClientHello ({@link TransparentTlsRouter}).
 */
public final class TransparentInitializers {

    private TransparentInitializers() {
    }

    public static ChannelInitializer<SocketChannel> http(ProxyServices services, int originalPort) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(PipelineNames.IDLE, idle(services));
                ProxyChannelInitializer.addHttpStage(channel.pipeline(), services,
                        RequestTargets.transparentHttp(originalPort));
            }
        };
    }

    public static ChannelInitializer<SocketChannel> tls(ProxyServices services, int originalPort) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(PipelineNames.IDLE, idle(services));
                channel.pipeline().addLast(PipelineNames.TRANSPARENT_TLS, new TransparentTlsRouter(services, originalPort));
            }
        };
    }

    private static IdleStateHandler idle(ProxyServices services) {
        return new IdleStateHandler(0, 0, services.settings().clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
}
