package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.services.ProxyServices;
import dev.nexus.proxy.tls.InterceptingTlsHandler;
import io.netty.channel.ChannelPipeline;

/**
 * The stages that serve what an agent sends inside an intercepted CONNECT, once
 * {@link TunnelContentClassifier} has recognised it. Each is appended at the end of the pipeline, behind
 * the classifier, which then hands over the bytes it read.
 */
final class TunnelStages {

    private TunnelStages() {
    }

    static void install(ChannelPipeline pipeline, ProxyServices services, TunnelDestination destination,
                        TunnelContentClassifier.Kind kind) {
        switch (kind) {
            case TLS -> {
                pipeline.addLast(PipelineNames.INTERCEPT_TLS,
                        new InterceptingTlsHandler(destination.host(), services.interception()));
                pipeline.addLast(PipelineNames.PROTOCOL_SELECTOR, new DecryptedStageSelector(services,
                        InterceptedOrigin.https(destination.host(), destination.port()), destination.routeName()));
            }
            case HTTP1 -> ProxyChannelInitializer.addHttpStage(pipeline, services,
                    InterceptedOrigin.http(destination.host(), destination.port()));
            case H2C -> Http2Stage.add(pipeline, services, InterceptedOrigin.http(destination.host(), destination.port()),
                    destination.routeName(), AgentProtocol.H2C);
            default -> throw new IllegalArgumentException("no stage serves " + kind);
        }
    }
}
