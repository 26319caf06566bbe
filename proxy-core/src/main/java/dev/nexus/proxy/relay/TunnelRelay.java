package dev.nexus.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.function.Consumer;

/**
 * Relays raw bytes from its channel to a peer channel: one instance on each side of a CONNECT
 * tunnel or an upgraded WebSocket connection. Backpressure follows writability: when this channel
 * cannot take more bytes, the peer stops reading until it can. When either side closes, the other
 * is closed after what was already relayed has been flushed, so both close together.
 */
public final class TunnelRelay extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    private final TunnelStats stats;
    private final boolean fromClient;

    /** Byte counts of one tunnel, shared by its two relays; closed once, when both sides are gone. */
    public static final class TunnelStats {
        private long fromClient;
        private long fromUpstream;
        private int openSides = 2;
        private final Consumer<TunnelStats> onClosed;

        public TunnelStats(Consumer<TunnelStats> onClosed) {
            this.onClosed = onClosed;
        }

        public long bytesFromClient() {
            return fromClient;
        }

        public long bytesFromUpstream() {
            return fromUpstream;
        }

        void sideClosed() {
            if (--openSides == 0) {
                onClosed.accept(this);
            }
        }
    }

    public TunnelRelay(Channel peer, TunnelStats stats, boolean fromClient) {
        this.peer = peer;
        this.stats = stats;
        this.fromClient = fromClient;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(peer.isWritable());
        if (peer.isWritable()) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (fromClient) {
            stats.fromClient += buf.readableBytes();
        } else {
            stats.fromUpstream += buf.readableBytes();
        }
        if (peer.isActive()) {
            peer.write(buf, peer.voidPromise());
        } else {
            buf.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // What the peer reads is written to this channel: pause the peer while this one is full.
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        stats.sideClosed();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close(); // no byte in either direction for the tunnel idle timeout
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
