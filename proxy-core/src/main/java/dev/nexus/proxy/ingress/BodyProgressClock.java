package dev.nexus.proxy.ingress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The body-progress timeout of one request (like nginx's {@code client_body_timeout}): fires when no piece
 * of the body arrived for the timeout. Time during which the proxy itself is not reading (waiting for an
 * upstream connection or credentials, backpressure from the origin) does not count: the gap is measured only
 * while the channel reads. One timer per slow body, re-armed lazily: a piece of body only stamps the time.
 * Confined to the channel's event loop.
 */
final class BodyProgressClock {

    private final ChannelHandlerContext ctx;
    private final long timeoutNanos;
    private final Runnable onTimeout;
    private long lastProgressNanos;
    private ScheduledFuture<?> check;

    BodyProgressClock(ChannelHandlerContext ctx, Duration timeout, Runnable onTimeout) {
        this.ctx = ctx;
        this.timeoutNanos = timeout.toNanos();
        this.onTimeout = onTimeout;
        this.lastProgressNanos = System.nanoTime();
        schedule(timeoutNanos);
    }

    /** A piece of the body arrived. */
    void progressed() {
        lastProgressNanos = System.nanoTime();
    }

    void stop() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void schedule(long delayNanos) {
        check = ctx.executor().schedule(this::checkProgress, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkProgress() {
        if (check == null || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (!ctx.channel().config().isAutoRead()) {
            lastProgressNanos = now; // the proxy paused reading: the agent is not the one who is slow
        }
        long idle = now - lastProgressNanos;
        if (idle >= timeoutNanos) {
            check = null;
            onTimeout.run();
        } else {
            schedule(timeoutNanos - idle);
        }
    }
}
