package dev.nexus.proxy.ingress;

import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.RequestTarget;
import io.netty.handler.codec.http.EmptyHttpHeaders;

import dev.nexus.proxy.services.ProxyServices;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.relay.TunnelRelay;
import dev.nexus.proxy.tls.InterceptingTlsHandler;
import dev.nexus.proxy.upstream.UpstreamFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

import java.net.InetSocketAddress;
import java.util.logging.Logger;

/**
 * First handler of a transparently redirected TLS connection: reads the server name from the agent's
 * ClientHello without consuming it, asks the policy as if the agent had sent {@code CONNECT sni:port},
 * then either relays the bytes untouched to the origin, or terminates TLS with a leaf for that name and
 * serves the decrypted requests like an intercepted CONNECT. Connections without a server name cannot be
 * routed and are closed (and counted).
 */
final class TransparentTlsRouter extends AbstractSniHandler<Void> {

    private static final Logger LOG = Logger.getLogger(TransparentTlsRouter.class.getName());

    private final ProxyServices services;
    private final RouteDecision routing;
    private final int originalPort;
    private final long startNanos = System.nanoTime();
    /**
     * Set once the ClientHello has been routed. While this handler is still in the pipeline (refused, or waiting
     * for the origin), the base class decodes the buffered ClientHello again when the channel closes; without
     * this a refusal would be counted up to three times and a relay attempted twice.
     */
    private boolean routed;
    private boolean intercepted;

    TransparentTlsRouter(ProxyServices services, int originalPort) {
        super(services.settings().requestHeaderTimeout().toMillis());
        this.services = services;
        this.routing = new RouteDecision(services);
        this.originalPort = originalPort;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        services.events().clientConnectionOpened();
        services.tracker().track(ctx.channel());
        ctx.channel().closeFuture().addListener(closed -> {
            if (!intercepted) { // an intercepted connection's close is counted by the stage that serves it
                services.events().clientConnectionClosed();
            }
        });
        super.channelActive(ctx);
    }

    @Override
    protected Future<Void> lookup(ChannelHandlerContext ctx, String serverName) {
        return ctx.executor().newSucceededFuture(null);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String serverName, Future<Void> ignored) {
        if (routed) {
            return;
        }
        routed = true;
        if (serverName == null) {
            refuse(ctx, null, 0, null, "no server name (SNI) in the ClientHello: the destination is unknown");
            return;
        }
        String host = serverNameAsHost(serverName);
        if (host == null) {
            refuse(ctx, null, 403, null, "the server name (SNI) in the ClientHello is not a valid host name");
            return;
        }
        RouteOutcome outcome = routing.decide((AgentIdentity) null, new RouteDecision.Head("CONNECT",
                new RequestTarget("https", host, originalPort, null), true, EmptyHttpHeaders.INSTANCE, AgentProtocol.H1));
        if (outcome instanceof RouteOutcome.Refuse refusal) {
            refuse(ctx, host, refusal.error().status().code(), refusal.decision(), refusal.detail());
        } else if (outcome instanceof RouteOutcome.Intercept intercept) {
            intercept(ctx, host, intercept.decision());
        } else if (outcome instanceof RouteOutcome.Tunnel tunnel) {
            relay(ctx, host, tunnel.decision());
        }
    }

    /**
     * The SNI name in the spelling every later step uses, from the same parser as request targets (lower case,
     * a trailing dot removed), or {@code null} when it is no host name. SNI never carries a port or an IP literal.
     */
    private String serverNameAsHost(String serverName) {
        if (serverName.indexOf(':') >= 0) {
            return null;
        }
        try {
            return RequestTarget.parseAuthority(serverName, originalPort).host();
        } catch (RequestTarget.InvalidTargetException e) {
            return null;
        }
    }

    private void intercept(ChannelHandlerContext ctx, String host, Decision.Destined decision) {
        record(ctx, host, 200, decision, 0, 0);
        intercepted = true;
        ChannelPipeline pipeline = ctx.pipeline();
        // Replacing hands the buffered ClientHello to the intercepting handler, which reads it again.
        pipeline.replace(this, PipelineNames.INTERCEPT_TLS, new InterceptingTlsHandler(host, services.interception()));
        pipeline.addLast(PipelineNames.PROTOCOL_SELECTOR, new DecryptedStageSelector(services,
                InterceptedOrigin.https(host, originalPort), decision.routeName()));
    }

    private void relay(ChannelHandlerContext ctx, String host, Decision.Destined decision) {
        ctx.channel().config().setAutoRead(false);
        services.tracker().busy(1);
        services.pools().forLoop(ctx.channel().eventLoop())
                .connectTunnel(host, originalPort, decision::mayConnectTo)
                .addListener((Future<Channel> connected) -> {
                    if (!connected.isSuccess()) {
                        services.tracker().busy(-1);
                        int status = connected.cause() instanceof UpstreamFailure failure
                                ? failure.kind().error().status().code() : 502;
                        refuse(ctx, host, status, decision, String.valueOf(connected.cause().getMessage()));
                        return;
                    }
                    Channel upstream = connected.getNow();
                    TunnelRelay.TunnelStats stats = new TunnelRelay.TunnelStats(tunnel -> {
                        services.tracker().busy(-1);
                        record(ctx, host, 200, decision, tunnel.bytesFromClient(), tunnel.bytesFromUpstream());
                    });
                    upstream.pipeline().addLast(PipelineNames.TUNNEL, new TunnelRelay(ctx.channel(), stats, false));
                    ctx.pipeline().addLast(PipelineNames.TUNNEL, new TunnelRelay(upstream, stats, true));
                    // Removing this decoder forwards the buffered ClientHello to the relay.
                    ctx.pipeline().remove(this);
                });
    }

    private void refuse(ChannelHandlerContext ctx, String host, int status, Decision decision, String why) {
        LOG.fine(() -> "transparent TLS connection from " + ctx.channel().remoteAddress() + " refused: " + why);
        record(ctx, host, status, decision, 0, 0);
        ctx.close();
    }

    private void record(ChannelHandlerContext ctx, String host, int status, Decision decision, long in, long out) {
        services.events().exchangeCompleted(new ExchangeRecord(System.currentTimeMillis(),
                (InetSocketAddress) ctx.channel().remoteAddress(), "CONNECT", "https", host, originalPort, null, status,
                in, out, System.nanoTime() - startNanos, -1, decision == null ? null : decision.routeName(),
                ExchangeRecord.decisionLabel(decision), AgentProtocol.H1.label(), null));
    }
}
