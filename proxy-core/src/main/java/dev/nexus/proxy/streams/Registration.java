package dev.nexus.proxy.streams;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One stream's place in {@link LiveStreams}: its stream closes it when it ends (on its event loop; later
 * calls do nothing), which also cancels its deadline. Identity-based, so two registrations never collide.
 */
public final class Registration implements AutoCloseable {

    private final LiveStreams registry;
    private final StreamInfo info;
    private final LiveStream stream;
    private volatile StreamKind kind;
    private ScheduledFuture<?> deadline;

    Registration(LiveStreams registry, StreamKind kind, StreamInfo info, LiveStream stream) {
        this.registry = registry;
        this.kind = kind;
        this.info = info;
        this.stream = stream;
    }

    void schedule(ScheduledExecutorService loop, long delayMillis, StreamEnd reason) {
        deadline = loop.schedule(() -> stream.end(reason), delayMillis, TimeUnit.MILLISECONDS);
    }

    void end(StreamEnd reason) {
        stream.end(reason);
    }

    public StreamInfo info() {
        return info;
    }

    public StreamKind kind() {
        return kind;
    }

    /** The stream changed what it is, e.g. an HTTP exchange became a WebSocket. */
    public void kind(StreamKind value) {
        kind = value;
    }

    /** The stream ended: leave the registry and drop the deadline. */
    @Override
    public void close() {
        registry.closed(this);
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
