package dev.nexus.proxy.credentials;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The second cache level, shared by replicas (Redis). Every call is asynchronous and never fails
 * its future because the store is down: reads then answer empty, writes do nothing, and lock
 * attempts answer "you may fetch", so the proxy falls back to its own cache and direct Authority calls.
 */
public interface SharedLeaseStore extends AutoCloseable {

    /** The lease another replica published, or empty on a miss, a record that fails to decrypt, or an outage. */
    CompletableFuture<Optional<Lease>> read(String connectionId);

    /** Stores the lease (encrypted, TTL = its remaining lifetime) and tells the other replicas. */
    CompletableFuture<Void> publish(Lease lease);

    /** Drops the lease on every replica. */
    CompletableFuture<Void> invalidate(String connectionId);

    /**
     * Tries to become the one replica that calls the Authority for this connection ({@code SET NX PX}).
     * Answers true when this replica should fetch, including when the store is unavailable.
     */
    CompletableFuture<Boolean> tryAcquireFetchLock(String connectionId, Duration hold);

    CompletableFuture<Void> releaseFetchLock(String connectionId);

    /**
     * Completes with the lease once another replica publishes it, or empty when it invalidates the
     * connection or {@code timeout} passes. Used by replicas that lost the fetch lock.
     */
    CompletableFuture<Optional<Lease>> awaitPublication(String connectionId, Duration timeout);

    /** Called with a connection id whenever another replica publishes or invalidates its lease. */
    void onRemoteChange(Consumer<String> listener);

    /** Called with a connection id whenever another replica invalidates (revokes) its lease. */
    void onRemoteInvalidation(Consumer<String> listener);
    /**
     * Drops the lease on every replica because the Authority gave a terminal answer ({@code kind}), so the
     * others stop serving it and do not ask the Authority again either. Stores without that notion just invalidate.
     */
    default CompletableFuture<Void> invalidateTerminal(String connectionId, CredentialException.Kind kind) {
        return invalidate(connectionId);
    }

    /** Called with a connection id and the terminal kind another replica learnt for it. */
    default void onRemoteTerminal(BiConsumer<String, CredentialException.Kind> listener) {
    }

    /** Tells every replica that the Authority takes no call before {@code until} (its 429 {@code Retry-After}). */
    default CompletableFuture<Void> shareRateLimit(Instant until) {
        return CompletableFuture.completedFuture(null);
    }

    /** The Authority rate-limit deadline another replica shared and that has not passed, if any. */
    default CompletableFuture<Optional<Instant>> sharedRateLimit() {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /** Called with the deadline whenever another replica shares an Authority rate limit. */
    default void onRemoteRateLimit(Consumer<Instant> listener) {
    }

    /** Whether the store is reachable right now (for /readyz details and metrics). */
    boolean available();

    @Override
    void close();
}
