package dev.nexus.proxy.testing;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.LeaseProvider;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * An in-test credential source for data-plane tests of strategies: each connection has a strategy
 * and credentials generated per version, so a refresh after a 401 hands out visibly new values.
 * Connections can be made to fail with a given {@link CredentialException.Kind}.
 */
public final class FixedLeases implements LeaseProvider {

    private record Connection(StrategySpec strategy, IntFunction<Map<String, String>> credentials) {
    }

    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, Integer> versions = new ConcurrentHashMap<>();
    private final Map<String, CredentialException.Kind> failures = new ConcurrentHashMap<>();
    public final AtomicInteger leaseCalls = new AtomicInteger();
    public final AtomicInteger refreshCalls = new AtomicInteger();

    /** {@code credentials} receives the version (1 at first, +1 per refresh). */
    public FixedLeases add(String connectionId, StrategySpec strategy, IntFunction<Map<String, String>> credentials) {
        connections.put(connectionId, new Connection(strategy, credentials));
        versions.put(connectionId, 1);
        return this;
    }

    public FixedLeases failWith(String connectionId, CredentialException.Kind kind) {
        failures.put(connectionId, kind);
        return this;
    }

    @Override
    public CompletableFuture<Lease> lease(String connectionId) {
        leaseCalls.incrementAndGet();
        return current(connectionId);
    }

    @Override
    public CompletableFuture<Lease> refreshAfterRejection(String connectionId, Lease rejected) {
        refreshCalls.incrementAndGet();
        versions.merge(connectionId, 1, Integer::sum);
        return current(connectionId);
    }

    @Override
    public void invalidate(String connectionId) {
    }

    private CompletableFuture<Lease> current(String connectionId) {
        CredentialException.Kind failure = failures.get(connectionId);
        Connection connection = connections.get(connectionId);
        if (failure != null || connection == null) {
            return CompletableFuture.failedFuture(new CredentialException(
                    failure == null ? CredentialException.Kind.NOT_FOUND : failure, connectionId, "test"));
        }
        // Completes on another thread, as a real Authority call would.
        return CompletableFuture.supplyAsync(() -> new Lease(connectionId, connection.strategy(),
                connection.credentials().apply(versions.get(connectionId)), null, Instant.now()));
    }
}
