package dev.nexus.proxy.credentials.cache;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * Per-connection exponential backoff with full jitter after the source was unavailable: the n-th
 * consecutive failure blocks new calls for a random delay in [0, min(max, initial * 2^(n-1))).
 * A success forgets the connection.
 */
final class RetryBackoff {

    private record Attempts(int failures, long retryAtMillis) {
    }

    private final long initialMillis;
    private final long maxMillis;
    private final DoubleSupplier jitter;
    private final Map<String, Attempts> byConnection = new ConcurrentHashMap<>();

    RetryBackoff(long initialMillis, long maxMillis, DoubleSupplier jitter) {
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.jitter = jitter;
    }

    boolean blocked(String connectionId, long nowMillis) {
        Attempts attempts = byConnection.get(connectionId);
        return attempts != null && nowMillis < attempts.retryAtMillis;
    }

    Instant retryAt(String connectionId) {
        Attempts attempts = byConnection.get(connectionId);
        return attempts == null ? null : Instant.ofEpochMilli(attempts.retryAtMillis);
    }

    void onFailure(String connectionId, long nowMillis) {
        byConnection.compute(connectionId, (id, previous) -> {
            int failures = previous == null ? 1 : previous.failures + 1;
            long ceiling = Math.min(maxMillis, initialMillis << Math.min(failures - 1, 30));
            return new Attempts(failures, nowMillis + (long) (jitter.getAsDouble() * ceiling));
        });
    }

    void onSuccess(String connectionId) {
        byConnection.remove(connectionId);
    }
}
