package dev.nexus.proxy.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of an upstream connection: hands everything the origin sends to the exchange that
 * currently owns the connection. While the connection idles in the pool it has no owner, and any
 * byte or close from the origin makes it unusable, so it is closed rather than reused.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    /** The exchange using the connection. Called on the connection's event loop. */
    public interface Listener {
        void onUpstreamRead(Object msg);

        void onUpstreamReadComplete();

        void onUpstreamWritabilityChanged(boolean writable);

        /** The origin sent nothing for the response timeout while a response was awaited. */
        void onUpstreamResponseTimeout();

        void onUpstreamClosed(Throwable cause);
    }

    private Listener listener;
    private Throwable failure;

    void attach(Listener newListener) {
        this.listener = newListener;
    }

    void detach() {
        this.listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failure != null) {
            // After a reset the codec still "ends" a close-delimited response when the channel goes inactive;
            // that end is not real and must not reach the agent as a complete response.
            ReferenceCountUtil.release(msg);
        } else if (listener != null) {
            listener.onUpstreamRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle) {
            if (listener == null && idle.state() == IdleState.ALL_IDLE) {
                ctx.close();
            } else if (listener != null && idle.state() == IdleState.READER_IDLE) {
                listener.onUpstreamResponseTimeout();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A write the origin no longer takes (it answered early and stopped reading, or closed) only shuts the
     * connection's output: whatever answer it sent is still read and relayed, and its close ends the
     * exchange as usual. Any other failure closes the connection.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (listener != null && ctx.channel() instanceof DuplexChannel duplex && duplex.isActive()
                && duplex.isOutputShutdown() && !duplex.isInputShutdown()) {
            return; // this write and any later one of the same request fail; the answer is still coming
        }
        failure = cause;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Listener current = listener;
        listener = null;
        if (current != null) {
            current.onUpstreamClosed(failure);
        }
        ctx.fireChannelInactive();
    }
}
