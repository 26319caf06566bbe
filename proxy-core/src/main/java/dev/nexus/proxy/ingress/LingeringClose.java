package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.ErrorResponses;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;

import java.util.concurrent.TimeUnit;

/**
 * The last step of an HTTP/1.1 agent connection, after its last response or an error of the connection itself
 * (a malformed request, a request head that took too long): stop sending but keep reading (and discarding) for
 * a moment. Closing with unread request bytes would make the kernel send a reset, which can destroy the
 * response before the agent reads it. One per connection, on its event loop.
 */
final class LingeringClose {

    /** How long a closing connection keeps draining the agent's unread bytes. */
    private static final long LINGER_MILLIS = 2000;

    private final ChannelHandlerContext ctx;
    private final PendingRequests pending;
    private boolean closing;

    /** @param pending the requests pipelined behind the last one: never served once closing starts */
    LingeringClose(ChannelHandlerContext ctx, PendingRequests pending) {
        this.ctx = ctx;
        this.pending = pending;
    }

    /** Whether the connection is on its way out: nothing more is read into requests or answered. */
    boolean closing() {
        return closing;
    }

    /**
     * Answers an error of the connection itself with {@code error}, unless an exchange or tunnel in flight owns
     * the answer, then closes.
     */
    void answerAndClose(ErrorCode error, String detail, boolean exchangeInFlight) {
        if (closing) {
            return;
        }
        if (!exchangeInFlight) {
            ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), error, detail, true));
        }
        closeAfterFlush();
    }

    /** Closes the connection once what was written so far has been flushed; later calls do nothing. */
    void closeAfterFlush() {
        if (closing) {
            return;
        }
        closing = true;
        pending.releaseAll();
        Channel channel = ctx.channel();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (channel instanceof DuplexChannel duplex && channel.isActive()) {
                duplex.shutdownOutput();
                channel.config().setAutoRead(true);
                channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                channel.close();
            }
        });
    }
}
