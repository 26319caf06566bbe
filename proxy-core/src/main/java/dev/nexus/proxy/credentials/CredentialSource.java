package dev.nexus.proxy.credentials;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where leases come from: the Nexus Authority in production, a local file in development, an OAuth 2
 * token endpoint where there is no Authority, or a mix of them chosen per connection ({@link SourcesByConnection}).
 * Calls never block the caller; failures complete the future with a {@link CredentialException}.
 */
public interface CredentialSource extends AutoCloseable {

    /** The connection's current credentials ({@code GET /v1/token/{id}}). */
    CompletableFuture<Lease> fetch(String connectionId);

    /** Asks the Authority to refresh, e.g. after an upstream 401 ({@code POST /v1/refresh/{id}}). */
    CompletableFuture<Lease> refresh(String connectionId);

    /**
     * Registers a listener told the connection id whenever that connection's credentials change outside
     * a fetch (e.g. the local credential file was edited), so caches can drop what they hold.
     * Sources whose credentials only change when asked (the Authority) ignore it.
     */
    default void onChange(Consumer<String> listener) {
    }

    /**
     * The source that actually serves the connection: itself, or for a source that routes connections to
     * several backends ({@link SourcesByConnection}) the backend. Callers keep failure state (such as a
     * circuit breaker) per backend, so one unreachable token endpoint does not stop calls to the others.
     */
    default CredentialSource backendFor(String connectionId) {
        return this;
    }

    /**
     * Whether this backend's rate limit (a 429 with {@code Retry-After}) holds for every connection it serves
     * and every replica: true for the Nexus Authority, which limits per workspace. The lease cache then
     * makes no call to it before the deadline passes and shares the deadline through Redis.
     */
    default boolean sharesRateLimit() {
        return false;
    }

    @Override
    default void close() {
    }
}
