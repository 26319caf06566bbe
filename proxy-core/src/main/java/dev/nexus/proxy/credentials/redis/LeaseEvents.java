package dev.nexus.proxy.credentials.redis;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.credentials.CredentialException;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The replicas' change notifications on the events channel:
 * {@code {"op":"published"|"invalidated","connection":"<id>","origin":"<instance id>"}}, plus
 * {@code {"op":"terminal","connection":...,"reason":"REVOKED"}} when the Authority gave a terminal answer (the
 * others drop the lease and stop asking) and {@code {"op":"rate_limited","until":<epoch ms>}} after its 429.
 * Encodes this replica's events, and dispatches the other replicas' events to the remote-change
 * listeners and to the waiters of {@code awaitPublication}. Events carry no lease content, only
 * which connection changed; a replica that cares reads the (encrypted) record.
 */
final class LeaseEvents {

    private static final Logger LOG = Logger.getLogger(LeaseEvents.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** What happened to a connection's lease on another replica. */
    enum Kind {
        PUBLISHED("published"), INVALIDATED("invalidated"), TERMINAL("terminal"), RATE_LIMITED("rate_limited");

        final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        static Kind fromWireName(String name) {
            for (Kind kind : values()) {
                if (kind.wireName.equals(name)) {
                    return kind;
                }
            }
            return null;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record Event(@JsonProperty("op") String op, @JsonProperty("connection") String connection,
                         @JsonProperty("origin") String origin, @JsonProperty("reason") String reason,
                         @JsonProperty("until") Long until) {
    }

    private final String origin;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> invalidationListeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<String, CredentialException.Kind>> terminalListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Instant>> rateLimitListeners = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, List<CompletableFuture<Kind>>> waiters = new ConcurrentHashMap<>();

    /** @param origin this replica's instance id, so it can recognise and skip its own events */
    LeaseEvents(String origin) {
        this.origin = origin;
    }

    byte[] encode(Kind kind, String connectionId) {
        return write(new Event(kind.wireName, connectionId, origin, null, null));
    }

    byte[] encodeTerminal(String connectionId, CredentialException.Kind reason) {
        return write(new Event(Kind.TERMINAL.wireName, connectionId, origin, reason.name(), null));
    }

    byte[] encodeRateLimit(Instant until) {
        return write(new Event(Kind.RATE_LIMITED.wireName, null, origin, null, until.toEpochMilli()));
    }

    private static byte[] write(Event event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a lease event (" + event.op() + ")");
        }
    }

    void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Hears only the other replicas' invalidations (revocations), after the change listeners. */
    void addInvalidationListener(Consumer<String> listener) {
        invalidationListeners.add(listener);
    }

    void addTerminalListener(BiConsumer<String, CredentialException.Kind> listener) {
        terminalListeners.add(listener);
    }

    void addRateLimitListener(Consumer<Instant> listener) {
        rateLimitListeners.add(listener);
    }

    /**
     * A future completed by the next event about {@code connectionId} from another replica.
     * Cancel it to stop waiting; it then unregisters itself.
     */
    CompletableFuture<Kind> next(String connectionId) {
        CompletableFuture<Kind> waiter = new CompletableFuture<>();
        waiters.compute(connectionId, (id, list) -> {
            List<CompletableFuture<Kind>> updated = list == null ? new ArrayList<>(2) : list;
            updated.add(waiter);
            return updated;
        });
        waiter.whenComplete((kind, failure) -> waiters.computeIfPresent(connectionId, (id, list) -> {
            list.remove(waiter);
            return list.isEmpty() ? null : list;
        }));
        return waiter;
    }

    /** Handles one message from the events channel (on a Lettuce I/O thread). */
    void onMessage(String message) {
        Event event;
        try {
            event = MAPPER.readValue(message, Event.class);
        } catch (IOException e) {
            LOG.fine("Ignoring a malformed message on the lease events channel");
            return;
        }
        Kind kind = event == null ? null : Kind.fromWireName(event.op());
        if (kind == null || origin.equals(event.origin())) {
            return; // unknown operation, or our own event echoed back by Redis
        }
        if (kind == Kind.RATE_LIMITED) {
            if (event.until() != null) {
                Instant until = Instant.ofEpochMilli(event.until());
                rateLimitListeners.forEach(listener -> listener.accept(until));
            }
            return;
        }
        if (event.connection() == null) {
            return;
        }
        if (kind == Kind.TERMINAL) {
            CredentialException.Kind reason = terminalKind(event.reason());
            if (reason != null) {
                terminalListeners.forEach(listener -> listener.accept(event.connection(), reason));
            }
        }
        List<CompletableFuture<Kind>> waiting = waiters.remove(event.connection());
        if (waiting != null) {
            waiting.forEach(waiter -> waiter.complete(kind));
        }
        notify(listeners, event.connection());
        if (kind == Kind.INVALIDATED) {
            notify(invalidationListeners, event.connection());
        }
    }

    private static void notify(List<Consumer<String>> targets, String connectionId) {
        for (Consumer<String> listener : targets) {
            try {
                listener.accept(connectionId);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A lease change listener failed for connection " + connectionId, e);
            }
        }
    }

    private static CredentialException.Kind terminalKind(String name) {
        for (CredentialException.Kind kind : CredentialException.Kind.values()) {
            if (kind.terminal() && kind.name().equals(name)) {
                return kind;
            }
        }
        return null;
    }

    /** Ends every wait (the store is closing): waiters complete exceptionally and callers fall back. */
    void cancelWaiters() {
        for (String connectionId : waiters.keySet()) {
            List<CompletableFuture<Kind>> waiting = waiters.remove(connectionId);
            if (waiting != null) {
                waiting.forEach(waiter -> waiter.cancel(false));
            }
        }
    }
}
