package dev.nexus.proxy.ingress;

import dev.nexus.proxy.ProxySettings;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.upstream.UpstreamPools;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * The pipeline of an agent connection, in order:
 * <ol>
 *   <li>{@link PipelineNames#IDLE}: close connections idle for the client idle timeout;</li>
 *   <li>{@link PipelineNames#FRAMING_GUARD}: reject bad framing at the byte level, hold tunnel bytes;</li>
 *   <li>{@link PipelineNames#HTTP_CODEC}: strict HTTP/1.1 decoding and response encoding;</li>
 *   <li>{@link PipelineNames#HEAD_TIMEOUT}: 408 for request heads that take too long;</li>
 *   <li>{@link PipelineNames#CONNECTION}: dispatch to exchanges and tunnels.</li>
 * </ol>
 * After CONNECT or a WebSocket upgrade, everything but the idle handler gives way to
 * {@link PipelineNames#TUNNEL}.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final ProxySettings settings;
    private final PolicyDecider policy;
    private final CredentialInjector injector;
    private final UpstreamPools pools;
    private final ProxyEvents events;
    private final ConnectionTracker tracker;

    public ProxyChannelInitializer(ProxySettings settings, PolicyDecider policy, CredentialInjector injector,
                                   UpstreamPools pools, ProxyEvents events, ConnectionTracker tracker) {
        this.settings = settings;
        this.policy = policy;
        this.injector = injector;
        this.pools = pools;
        this.events = events;
        this.tracker = tracker;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        RequestFramingGuard guard = new RequestFramingGuard();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(PipelineNames.IDLE,
                new IdleStateHandler(0, 0, settings.clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast(PipelineNames.FRAMING_GUARD, guard);
        pipeline.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(strictDecoderConfig()));
        pipeline.addLast(PipelineNames.HEAD_TIMEOUT, new RequestHeadTimeoutHandler(settings.requestHeaderTimeout()));
        pipeline.addLast(PipelineNames.CONNECTION,
                new ClientConnectionHandler(settings, policy, injector, pools, events, guard, tracker));
    }

    private HttpDecoderConfig strictDecoderConfig() {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxInitialLineLength())
                .setMaxHeaderSize(settings.maxHeaderSize())
                .setMaxChunkSize(settings.maxChunkSize())
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true);
    }
}
