package dev.nexus.proxy.ingress;

import dev.nexus.proxy.services.ProxyServices;

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
 *   <li>({@link PipelineNames#MTLS}: only when agents are identified by client certificate;)</li>
 *   <li>{@link PipelineNames#IDLE}: close connections idle for the client idle timeout;</li>
 *   <li>({@link PipelineNames#TUNNEL_CLASSIFIER}: only right after an intercepted CONNECT, until the agent's
 *       first bytes say what it speaks inside the tunnel: TLS, plain HTTP or h2c;)</li>
 *   <li>({@link PipelineNames#INTERCEPT_TLS}: only after an intercepted CONNECT whose agent started TLS, the
 *       agent's TLS ends here;)</li>
 *   <li>{@link PipelineNames#FRAMING_GUARD}: reject bad framing at the byte level, hold tunnel bytes;</li>
 *   <li>{@link PipelineNames#HTTP_CODEC}: strict HTTP/1.1 decoding and response encoding;</li>
 *   <li>{@link PipelineNames#HEAD_TIMEOUT}: 408 for request heads that take too long (the first one counted from
 *       accept) and for request bodies that stall;</li>
 *   <li>{@link PipelineNames#CONNECTION}: dispatch to exchanges and tunnels.</li>
 * </ol>
 * The last four are the HTTP stage ({@link #addHttpStage}): built once per connection, and again inside an
 * intercepted CONNECT. After a relayed CONNECT or a WebSocket upgrade, everything but the idle handler gives
 * way to {@link PipelineNames#TUNNEL}.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final ProxyServices services;

    public ProxyChannelInitializer(ProxyServices services) {
        this.services = services;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (services.agents().mtlsListener() != null) {
            // Agents identified by client certificate speak TLS to the proxy itself.
            pipeline.addLast(PipelineNames.MTLS, services.agents().mtlsListener().newHandler(channel.alloc()));
        }
        pipeline.addLast(PipelineNames.IDLE, new IdleStateHandler(0, 0,
                services.settings().clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        addHttpStage(pipeline, services, RequestTargets.FORWARD_PROXY);
    }

    /** Appends the HTTP stage; {@code targets} says how its requests name their destination. */
    static void addHttpStage(ChannelPipeline pipeline, ProxyServices services, RequestTargets targets) {
        RequestFramingGuard guard = new RequestFramingGuard();
        pipeline.addLast(PipelineNames.FRAMING_GUARD, guard);
        pipeline.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(strictDecoderConfig(services)));
        pipeline.addLast(PipelineNames.HEAD_TIMEOUT,
                new RequestHeadTimeoutHandler(services.settings().requestHeaderTimeout(),
                        services.settings().requestBodyTimeout()));
        pipeline.addLast(PipelineNames.CONNECTION, new ClientConnectionHandler(services, guard, targets));
    }

    private static HttpDecoderConfig strictDecoderConfig(ProxyServices services) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(services.settings().maxInitialLineLength())
                .setMaxHeaderSize(services.settings().maxHeaderSize())
                .setMaxChunkSize(services.settings().maxChunkSize())
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true);
    }
}
