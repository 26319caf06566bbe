package dev.nexus.proxy.ingress;

import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.settings.ProxySettings;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Caps on open agent connections ({@link ProxySettings.ConnectionLimits}), per source address and in total,
 * over every proxy listener. It sits on the listening channels and sees each accepted connection before its
 * pipeline is built: a connection within the caps goes on and is counted until it closes; one beyond them is
 * answered {@code 503} and closed without ever reaching the HTTP stage. Refusals are logged at most once per
 * {@link #LOG_INTERVAL}, with how many there were. Lock-free: a map of counters and one total.
 */
@ChannelHandler.Sharable
public final class ConnectionAdmission extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(ConnectionAdmission.class.getName());

    /** At most one log line about refused connections per interval. */
    static final Duration LOG_INTERVAL = Duration.ofMinutes(1);
    /** How long a refused connection's unread bytes are drained so the 503 is not lost to a reset. */
    private static final long LINGER_MILLIS = 500;
    /** Pre-rendered: the refused connection never gets an HTTP encoder. */
    private static final String REFUSAL_BODY = "{\"error\":\"" + ErrorCode.TOO_MANY_CONNECTIONS.code()
            + "\",\"detail\":\"the proxy's connection limit is reached; retry later\"}";
    private static final byte[] REFUSAL = ("HTTP/1.1 " + ErrorCode.TOO_MANY_CONNECTIONS.status()
            + "\r\ncontent-type: application/json\r\n"
            + "connection: close\r\ncontent-length: " + REFUSAL_BODY.length() + "\r\n\r\n" + REFUSAL_BODY)
            .getBytes(StandardCharsets.US_ASCII);

    private final ProxySettings.ConnectionLimits limits;
    private final ConcurrentMap<InetAddress, AtomicInteger> perSource = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicLong refusedSinceLog = new AtomicLong();
    private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());

    public ConnectionAdmission(ProxySettings.ConnectionLimits limits) {
        this.limits = limits;
    }

    /** On a listening channel, every message is a newly accepted connection. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetAddress source = child.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
        String refusal = admit(source);
        if (refusal == null) {
            child.closeFuture().addListener(closed -> leave(source));
            ctx.fireChannelRead(child);
            return;
        }
        noteRefusal(refusal, source);
        refuse(ctx, child);
    }

    /** Counts the connection in, or says which cap it would exceed (and counts nothing). */
    private String admit(InetAddress source) {
        if (limits.total() > 0 && total.incrementAndGet() > limits.total()) {
            total.decrementAndGet();
            return "total connection limit (" + limits.total() + ")";
        }
        if (limits.total() == 0) {
            total.incrementAndGet();
        }
        if (limits.perSource() > 0 && source != null) {
            AtomicInteger count = perSource.computeIfAbsent(source, s -> new AtomicInteger());
            if (count.incrementAndGet() > limits.perSource()) {
                leave(source);
                return "per-source connection limit (" + limits.perSource() + ")";
            }
        }
        return null;
    }

    private void leave(InetAddress source) {
        total.decrementAndGet();
        if (limits.perSource() > 0 && source != null) {
            perSource.computeIfPresent(source, (s, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    private void noteRefusal(String limit, InetAddress source) {
        refusedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long next = nextLogNanos.get();
        if (now - next >= 0 && nextLogNanos.compareAndSet(next, now + LOG_INTERVAL.toNanos())) {
            long count = refusedSinceLog.getAndSet(0);
            LOG.warning(() -> "refused " + count + " agent connection(s) with 503 since the last report: the " + limit + " was reached (latest from "
                    + (source == null ? "an unknown address" : source.getHostAddress()) + "); further refusals are logged at most once a minute");
        }
    }

    /** Registers the refused connection on the listener's loop, answers 503, drains briefly, closes. */
    private static void refuse(ChannelHandlerContext ctx, Channel child) {
        child.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object unread) {
                ReferenceCountUtil.release(unread);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                c.close();
            }
        });
        ctx.channel().eventLoop().register(child).addListener(registered -> {
            if (!registered.isSuccess()) {
                child.unsafe().closeForcibly();
                return;
            }
            child.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess() && child instanceof DuplexChannel duplex) {
                    duplex.shutdownOutput();
                    child.eventLoop().schedule(() -> child.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                    child.close();
                }
            });
        });
    }
}
