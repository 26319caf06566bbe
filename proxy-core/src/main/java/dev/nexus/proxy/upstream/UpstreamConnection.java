package dev.nexus.proxy.upstream;

import io.netty.channel.Channel;


/**
 * An upstream connection lent to one exchange. The exchange either gives it back for reuse
 * ({@link #release()}) once a response completed cleanly, or closes it ({@link #close()}).
 */
public final class UpstreamConnection {

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
