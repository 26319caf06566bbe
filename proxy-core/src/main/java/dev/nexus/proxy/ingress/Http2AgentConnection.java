package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.ConnectionTracker;
import dev.nexus.proxy.services.ProxyServices;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * An agent's HTTP/2 connection as a whole, last in its pipeline: registered for shutdown (draining sends
 * GOAWAY and lets open streams finish), closed when idle with no open stream, and the one place that logs
 * why the codec ended a connection (a broken limit of {@code Http2Limits}, a protocol error).
 */
final class Http2AgentConnection extends ChannelInboundHandlerAdapter implements ConnectionTracker.Drainable {

    private static final System.Logger LOG = System.getLogger(Http2AgentConnection.class.getName());

    private final ProxyServices services;
    private final Http2FrameCodec codec;
    private final InterceptedOrigin origin;
    private final String routeName;
    private final AgentProtocol protocol;
    private ChannelHandlerContext ctx;
    private volatile boolean draining;

    Http2AgentConnection(ProxyServices services, Http2FrameCodec codec, InterceptedOrigin origin, String routeName,
                         AgentProtocol protocol) {
        this.services = services;
        this.codec = codec;
        this.origin = origin;
        this.routeName = routeName;
        this.protocol = protocol;
    }

    AgentProtocol protocol() {
        return protocol;
    }

    boolean draining() {
        return draining;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        services.tracker().register(ctx.channel(), this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception || cause.getCause() instanceof Http2Exception) {
            // The codec has sent (or is sending) GOAWAY with the error's code and closes the connection itself.
            LOG.log(System.Logger.Level.WARNING, "closing " + protocol.label() + " connection from "
                    + ctx.channel().remoteAddress() + " to " + new TunnelDestination(origin.host(), origin.port(),
                    routeName).describe() + " with GOAWAY: " + cause.getMessage());
            return;
        }
        ctx.close(); // I/O errors such as a reset by the agent
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (codec.connection().numActiveStreams() == 0) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        services.tracker().unregister(this);
        services.events().clientConnectionClosed();
        ctx.fireChannelInactive();
    }

    /** Closing an HTTP/2 connection is graceful: GOAWAY, then the open streams finish (within a bound). */
    @Override
    public void startDraining() {
        draining = true;
        ctx.executor().execute(() -> ctx.channel().close());
    }
}
