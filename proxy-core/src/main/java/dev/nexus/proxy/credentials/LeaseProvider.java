package dev.nexus.proxy.credentials;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the data plane asks for credentials: a cached, single-flight, refreshed-ahead view over a
 * {@link CredentialSource}. Futures may complete on any thread; callers hop back to their event loop.
 */
public interface LeaseProvider extends AutoCloseable {

    /** A usable lease for the connection, from cache when possible. */
    CompletableFuture<Lease> lease(String connectionId);

    /**
     * The upstream rejected {@code rejected} with 401: drop it, force one refresh (rate-limited per
     * connection) and return the new lease. Concurrent callers with the same rejected lease share one refresh.
     */
    CompletableFuture<Lease> refreshAfterRejection(String connectionId, Lease rejected);

    /** Drops the connection's lease everywhere (this process, and other replicas when shared). */
    void invalidate(String connectionId);

    /**
     * Calls {@code listener} (on any thread) with a connection id whenever its credentials are withdrawn: a
     * terminal Authority answer, an invalidation here or on another replica. Streams still carrying the old
     * credential must end. Providers without revocations never call it.
     */
    default void onRevoked(Consumer<String> listener) {
    }

    @Override
    default void close() {
    }
}
