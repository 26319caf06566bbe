package dev.nexus.proxy.upstream;

import io.netty.channel.Channel;


/**
 * An upstream connection lent to one exchange: an HTTP/1.1 connection, or one stream of a multiplexed HTTP/2
 * connection whose channel carries the same HTTP objects. The exchange either gives it back ({@link #release()})
 * once a response completed cleanly, or closes it ({@link #close()}): an HTTP/1.1 connection goes back to its
 * pool, a stream is done either way (closing an unfinished one resets it), its connection staying with the
 * HTTP/2 pool.
 */
public final class UpstreamConnection {

    /** {@code null} for a stream, which is never pooled. */
    private final UpstreamPool pool;
    private final UpstreamKey key;
    private final Channel channel;
    private final long connectNanos;

    UpstreamConnection(UpstreamPool pool, UpstreamKey key, Channel channel, long connectNanos) {
        this.pool = pool;
        this.key = key;
        this.channel = channel;
        this.connectNanos = connectNanos;
    }

    /** One stream of an HTTP/2 connection to {@code key}. */
    static UpstreamConnection stream(UpstreamKey key, Channel stream, long connectNanos) {
        return new UpstreamConnection(null, key, stream, connectNanos);
    }

    public Channel channel() {
        return channel;
    }

    public UpstreamKey key() {
        return key;
    }

    /** Time spent connecting for this exchange; 0 when a pooled connection was reused. */
    public long connectNanos() {
        return connectNanos;
    }

    public void attach(UpstreamHandler.Listener listener) {
        channel.pipeline().get(UpstreamHandler.class).attach(listener);
    }

    /** Returns the connection to the pool; only after a complete response on a keep-alive connection. */
    public void release() {
        if (pool == null) {
            close();
            return;
        }
        channel.pipeline().get(UpstreamHandler.class).detach();
        pool.release(this);
    }

    public void close() {
        UpstreamHandler handler = channel.pipeline().get(UpstreamHandler.class);
        if (handler != null) {
            handler.detach();
        }
        channel.close();
    }
}
