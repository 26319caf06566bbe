package dev.nexus.proxy.streams;

import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Every open stream of one proxy, registered against the connection (lease) whose credential it carries.
 * A stream registers when it opens ({@link #register}) and closes its {@link Registration} when it ends, so
 * the registry holds exactly the open streams whatever their number over time.
 *
 * <p>{@link #revoke} ends every stream of a connection. Revocations are rare and a scan over the open streams
 * costs microseconds per thousand, so the registry keeps one concurrent set rather than an index per
 * connection: registering and closing, which happen on every exchange of an inject route, stay one
 * insertion and one removal. Thread-safe; streams register and close on their event loops, revocations
 * arrive on any thread.
 */
public final class LiveStreams {

    private final Set<Registration> open = ConcurrentHashMap.newKeySet();
    private final Clock clock;

    public LiveStreams() {
        this(Clock.systemUTC());
    }

    /** @param clock the time deadlines are measured against */
    public LiveStreams(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Registers an open stream. With a {@code deadline}, {@code stream} is ended at that time on {@code loop}
     * (its event loop) unless it closes first.
     *
     * @param deadline when the proxy ends the stream of its own accord, or {@code null}
     * @return the handle the stream closes when it ends (and may update when it changes kind)
     */
    public Registration register(StreamKind kind, StreamInfo info, LiveStream stream, ScheduledExecutorService loop,
                                 StreamDeadline deadline) {
        Registration registration = new Registration(this, kind, info, stream);
        open.add(registration);
        if (deadline != null) {
            long delayMillis = Math.max(0, deadline.at().toEpochMilli() - clock.millis());
            registration.schedule(loop, delayMillis, deadline.reason());
        }
        return registration;
    }

    /**
     * Ends every open stream carrying {@code connectionId}'s credential. Called on any thread.
     *
     * @return how many streams were asked to end
     */
    public int revoke(String connectionId) {
        int ended = 0;
        for (Registration registration : open) {
            if (connectionId.equals(registration.info().connectionId())) {
                registration.end(StreamEnd.REVOKED);
                ended++;
            }
        }
        return ended;
    }

    /** How many streams are open. */
    public int size() {
        return open.size();
    }

    /** The open streams, oldest first, for the admin API. */
    public List<StreamView> view() {
        return open.stream()
                .map(registration -> new StreamView(registration.kind(), registration.info()))
                .sorted(Comparator.comparing(view -> view.info().openedAt()))
                .toList();
    }

    void closed(Registration registration) {
        open.remove(registration);
    }

    /** One open stream as the admin API sees it. */
    public record StreamView(StreamKind kind, StreamInfo info) {
    }
}
