package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.services.ProxyServices;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * Behind the agent's terminated TLS: once the handshake says which protocol the agent chose by ALPN, installs
 * the HTTP/2 stage ({@code h2}) or the HTTP/1.1 stage (http/1.1, or no ALPN at all). Bytes that arrive
 * before that wait here. A connection that ends before any stage was installed is counted closed here.
 */
final class DecryptedStageSelector extends ApplicationProtocolNegotiationHandler {

    private final ProxyServices services;
    private final InterceptedOrigin origin;
    private final String routeName;

    DecryptedStageSelector(ProxyServices services, InterceptedOrigin origin, String routeName) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.services = services;
        this.origin = origin;
        this.routeName = routeName;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            Http2Stage.add(ctx.pipeline(), services, origin, routeName, AgentProtocol.H2);
        } else {
            ProxyChannelInitializer.addHttpStage(ctx.pipeline(), services, origin);
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // refusals were reported by the intercepting handler; nothing more to say to the agent
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        services.events().clientConnectionClosed(); // still here: no stage took the connection over
        super.channelInactive(ctx);
    }
}
