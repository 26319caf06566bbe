package dev.nexus.proxy.ingress;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;

/**
 * First in an HTTP/2 stream's pipeline, so it sees the frames the answer becomes: remembers the write of the
 * one that ends the stream (END_STREAM), so that {@link StreamRequestHandler} resets a stream whose agent is
 * still sending only after the whole answer went out. Frames wait in flow control until the agent's window
 * allows; a reset written meanwhile would discard them.
 */
final class StreamAnswerEnd extends ChannelOutboundHandlerAdapter {

    private ChannelFuture written;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Http2DataFrame data && data.isEndStream()
                || msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
            ChannelPromise tracked = promise.unvoid(); // a void promise (fire and forget) cannot be listened to
            written = tracked;
            ctx.write(msg, tracked);
            return;
        }
        ctx.write(msg, promise);
    }

    /** The write of the frame that ended the answer, or {@code null} when none was written. */
    ChannelFuture written() {
        return written;
    }
}
