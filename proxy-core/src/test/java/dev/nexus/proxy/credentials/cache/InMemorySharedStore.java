package dev.nexus.proxy.credentials.cache;

import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.SharedLeaseStore;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An in-process stand-in for the Redis store with the same contract, so the cache's L2 protocol can be
 * tested without Redis (the Redis implementation has its own tests). Replicas made by {@link #replica()}
 * share the records, locks and notifications; {@link #down(boolean)} makes every replica behave as the
 * contract says for an outage.
 */
final class InMemorySharedStore {

    private final Map<String, Lease> records = new ConcurrentHashMap<>();
    private final Set<String> locks = ConcurrentHashMap.newKeySet();
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();
    private final Map<String, List<CompletableFuture<Optional<Lease>>>> waiters = new ConcurrentHashMap<>();
    private volatile boolean down;

    SharedLeaseStore replica() {
        Replica replica = new Replica();
        replicas.add(replica);
        return replica;
    }

    void down(boolean value) {
        down = value;
    }

    Optional<Lease> record(String connectionId) {
        return Optional.ofNullable(records.get(connectionId));
    }

    /**
     * Tells every replica once more that the connection's lease changed, as Redis pub/sub may do only after
     * a replica already read the published record.
     */
    void announceAgain(String connectionId) {
        notifyOthers(null, connectionId, record(connectionId));
    }

    private void notifyOthers(Replica origin, String connectionId, Optional<Lease> lease) {
        List<CompletableFuture<Optional<Lease>>> waiting = waiters.remove(connectionId);
        if (waiting != null) {
            waiting.forEach(waiter -> waiter.complete(lease));
        }
        for (Replica replica : replicas) {
            if (replica != origin) {
                replica.listeners.forEach(listener -> listener.accept(connectionId));
                if (lease.isEmpty()) {
                    replica.invalidationListeners.forEach(listener -> listener.accept(connectionId));
                }
            }
        }
    }

    private final class Replica implements SharedLeaseStore {
        private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
        private final List<Consumer<String>> invalidationListeners = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Optional<Lease>> read(String connectionId) {
            return CompletableFuture.completedFuture(down ? Optional.empty() : Optional.ofNullable(records.get(connectionId)));
        }

        @Override
        public CompletableFuture<Void> publish(Lease lease) {
            if (!down) {
                records.put(lease.connectionId(), lease);
                notifyOthers(this, lease.connectionId(), Optional.of(lease));
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> invalidate(String connectionId) {
            if (!down) {
                records.remove(connectionId);
                notifyOthers(this, connectionId, Optional.empty());
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> tryAcquireFetchLock(String connectionId, Duration hold) {
            return CompletableFuture.completedFuture(down || locks.add(connectionId));
        }

        @Override
        public CompletableFuture<Void> releaseFetchLock(String connectionId) {
            locks.remove(connectionId);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Optional<Lease>> awaitPublication(String connectionId, Duration timeout) {
            CompletableFuture<Optional<Lease>> waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(connectionId, id -> new CopyOnWriteArrayList<>()).add(waiter);
            return waiter.completeOnTimeout(Optional.empty(), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void onRemoteChange(Consumer<String> listener) {
            listeners.add(listener);
        }

        @Override
        public void onRemoteInvalidation(Consumer<String> listener) {
            invalidationListeners.add(listener);
        }

        @Override
        public boolean available() {
            return !down;
        }

        @Override
        public void close() {
            replicas.remove(this);
        }
    }
}
