package dev.nexus.proxy.ingress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the time from a request's first byte to its complete head (slowloris defence). The clock
 * starts and stops on {@link RequestFramingGuard.HeadEvent}s; when it runs out the connection handler
 * receives a {@link RequestHeadTimeoutException} and answers 408.
 */
public final class RequestHeadTimeoutHandler extends ChannelInboundHandlerAdapter {

    /** The agent did not finish sending its request head in time. */
    public static final class RequestHeadTimeoutException extends RuntimeException {
        RequestHeadTimeoutException(String message) {
            super(message, null, false, false);
        }
    }

    private final long timeoutMillis;
    private long headStartedNanos = -1;
    private ScheduledFuture<?> pending;

    public RequestHeadTimeoutHandler(Duration timeout) {
        this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == RequestFramingGuard.HeadEvent.STARTED) {
            headStartedNanos = System.nanoTime();
        } else if (evt == RequestFramingGuard.HeadEvent.COMPLETED) {
            headStartedNanos = -1;
            cancel();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * Most heads arrive in one read, so the timer is only armed when a read ends with a head still
     * incomplete: no timer task per request in the common case.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (headStartedNanos >= 0 && pending == null) {
            long remaining = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - headStartedNanos);
            pending = ctx.executor().schedule(() -> ctx.fireExceptionCaught(new RequestHeadTimeoutException(
                    "request head not received within " + timeoutMillis + " ms")), Math.max(0, remaining),
                    TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
