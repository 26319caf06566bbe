package dev.nexus.proxy.ingress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long an agent may take to deliver a request (slowloris defence), in two ways:
 * <ul>
 *   <li>the head: from a request's first byte to its complete head, and for the first request of a connection
 *       (or of an intercepted TLS session) from the moment the connection is there, so a connection that never
 *       sends a byte is cut after the same time. The clock follows {@link RequestFramingGuard.HeadEvent}s; when
 *       it runs out the connection handler receives a {@link RequestHeadTimeoutException} and answers 408;</li>
 *   <li>the body: the longest gap between two pieces of a request body ({@link BodyProgressClock}); when it runs
 *       out the connection handler receives a {@link RequestBodyTimeoutException}, answers 408 and frees the
 *       upstream connection the slow body was holding.</li>
 * </ul>
 */
final class RequestHeadTimeoutHandler extends ChannelInboundHandlerAdapter {

    /** The agent did not finish sending its request head in time. */
    public static class RequestHeadTimeoutException extends RuntimeException {
        RequestHeadTimeoutException(String message) {
            super(message, null, false, false);
        }
    }

    /** The agent stopped sending its request body for longer than the body timeout. */
    public static final class RequestBodyTimeoutException extends RequestHeadTimeoutException {
        RequestBodyTimeoutException(String message) {
            super(message);
        }
    }

    private final long timeoutMillis;
    private final Duration bodyTimeout;
    private long headStartedNanos = -1;
    private ScheduledFuture<?> pending;
    private BodyProgressClock body;

    public RequestHeadTimeoutHandler(Duration timeout, Duration bodyTimeout) {
        this.timeoutMillis = timeout.toMillis();
        this.bodyTimeout = bodyTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startFromNow(ctx); // a stage added to a live connection: after an intercepted CONNECT, or a TLS router
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startFromNow(ctx);
        ctx.fireChannelActive();
    }

    /** The first head is due one timeout after the connection is there, whether or not a byte arrived. */
    private void startFromNow(ChannelHandlerContext ctx) {
        if (headStartedNanos < 0 && pending == null) {
            headStartedNanos = System.nanoTime();
            arm(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == RequestFramingGuard.HeadEvent.STARTED) {
            if (headStartedNanos < 0) {
                headStartedNanos = System.nanoTime();
            }
        } else if (evt == RequestFramingGuard.HeadEvent.COMPLETED) {
            headStartedNanos = -1;
            cancel();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && hasBody(request)) {
            stopBodyClock();
            body = new BodyProgressClock(ctx, bodyTimeout, () -> ctx.fireExceptionCaught(new RequestBodyTimeoutException(
                    "no request body bytes received for " + bodyTimeout.toMillis() + " ms")));
        }
        if (msg instanceof HttpContent && body != null) {
            if (msg instanceof LastHttpContent) {
                stopBodyClock();
            } else {
                body.progressed();
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean hasBody(HttpRequest request) {
        return !request.method().equals(HttpMethod.CONNECT)
                && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
    }

    /**
     * Most heads arrive in one read, so the timer is only armed when a read ends with a head still
     * incomplete: no timer task per request in the common case.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (headStartedNanos >= 0 && pending == null) {
            arm(ctx);
        }
        ctx.fireChannelReadComplete();
    }

    private void arm(ChannelHandlerContext ctx) {
        long remaining = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - headStartedNanos);
        pending = ctx.executor().schedule(() -> ctx.fireExceptionCaught(new RequestHeadTimeoutException(
                "request head not received within " + timeoutMillis + " ms")), Math.max(0, remaining),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
        stopBodyClock();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        stopBodyClock();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void stopBodyClock() {
        if (body != null) {
            body.stop();
            body = null;
        }
    }
}
