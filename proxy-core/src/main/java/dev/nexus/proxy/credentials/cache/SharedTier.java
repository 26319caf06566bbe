package dev.nexus.proxy.credentials.cache;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.SharedLeaseStore;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The L2 protocol between replicas, on top of a {@link SharedLeaseStore} (or straight to the source
 * when there is none). On an L1 miss: read L2; on an L2 miss take the fetch lock; the winner calls the
 * Authority and publishes, the others wait for the publication (bounded), read again, and call the
 * Authority themselves only if nothing came. A store that fails or hangs degrades to direct calls:
 * reads count as misses, lock attempts as won.
 */
final class SharedTier {

    private static final Logger LOG = Logger.getLogger(SharedTier.class.getName());
    /** Extra time granted to a store's own bounded wait before this side stops waiting. */
    private static final long WAIT_SLACK_MILLIS = 250;

    private final SharedLeaseStore store;
    private final GuardedSource source;
    private final LeaseCacheMetrics metrics;
    private final Duration lockHold;
    private final Duration publicationWait;

    SharedTier(SharedLeaseStore store, GuardedSource source, LeaseCacheMetrics metrics, LeaseCacheSettings settings) {
        this.store = store;
        this.source = source;
        this.metrics = metrics;
        this.lockHold = settings.sharedFetchLockHold();
        this.publicationWait = settings.sharedPublicationWait();
    }

    /**
     * A lease from L2 when {@code acceptable}, else from the source (once across replicas when possible):
     * a fetch, or with {@code refresh} a forced refresh (then {@code acceptable} rejects the lease being
     * replaced, so a replica that already refreshed it saves the others their call).
     */
    CompletableFuture<Lease> load(String connectionId, Predicate<Lease> acceptable, boolean refresh) {
        if (store == null) {
            return source.call(connectionId, refresh);
        }
        return read(connectionId).thenCompose(found -> {
            if (found.filter(acceptable).isPresent()) {
                metrics.l2Hit.inc();
                return CompletableFuture.completedFuture(found.get());
            }
            metrics.l2Miss.inc();
            return quietly(() -> store.tryAcquireFetchLock(connectionId, lockHold), true)
                    .thenCompose(won -> won ? fetchHoldingLock(connectionId, acceptable, refresh)
                            : awaitWinner(connectionId, acceptable, refresh));
        });
    }

    void invalidate(String connectionId) {
        if (store != null) {
            quietly(() -> store.invalidate(connectionId), null);
        }
    }

    void invalidateTerminal(String connectionId, CredentialException.Kind kind) {
        if (store != null) {
            quietly(() -> store.invalidateTerminal(connectionId, kind), null);
        }
    }

    void shareRateLimit(Instant until) {
        if (store != null) {
            quietly(() -> store.shareRateLimit(until), null);
        }
    }

    /** A rate-limit deadline another replica shared, read once when the cache starts. */
    CompletableFuture<Optional<Instant>> rateLimit() {
        return quietly(store::sharedRateLimit, Optional.empty());
    }

    /**
     * With the lock, look in L2 once more before calling: between our miss and our lock attempt another
     * replica may have taken the lock, published and released it, and its lease is there now.
     */
    private CompletableFuture<Lease> fetchHoldingLock(String connectionId, Predicate<Lease> acceptable, boolean refresh) {
        return read(connectionId).thenCompose(found -> {
            if (found.filter(acceptable).isPresent()) {
                quietly(() -> store.releaseFetchLock(connectionId), null);
                return CompletableFuture.completedFuture(found.get());
            }
            return callAndPublish(connectionId, refresh, true);
        });
    }

    private CompletableFuture<Lease> callAndPublish(String connectionId, boolean refresh, boolean holdsLock) {
        CompletableFuture<Lease> fetched = source.call(connectionId, refresh);
        fetched.whenComplete((lease, error) -> {
            CompletableFuture<Void> published = error == null ? quietly(() -> store.publish(lease), null)
                    : CompletableFuture.completedFuture(null);
            if (holdsLock) {
                published.whenComplete((ignored, e) -> quietly(() -> store.releaseFetchLock(connectionId), null));
            }
        });
        return fetched;
    }

    private CompletableFuture<Lease> awaitWinner(String connectionId, Predicate<Lease> acceptable, boolean refresh) {
        metrics.singleflightWaits.inc();
        return quietly(() -> store.awaitPublication(connectionId, publicationWait), Optional.<Lease>empty())
                .thenCompose(published -> published.filter(acceptable).isPresent()
                        ? CompletableFuture.completedFuture(Optional.of(published.get()))
                        : read(connectionId))
                .thenCompose(found -> found.filter(acceptable).isPresent()
                        ? CompletableFuture.completedFuture(found.get())
                        : callAndPublish(connectionId, refresh, false));
    }

    /** The lease in L2, empty on a miss or when the store fails; only with a store. */
    CompletableFuture<Optional<Lease>> read(String connectionId) {
        return quietly(() -> store.read(connectionId), Optional.empty());
    }

    /**
     * The store call's result, or {@code fallback} when the call throws, fails, or takes longer than the
     * publication wait (a slow store must not hold requests longer than a missing one would).
     */
    private <T> CompletableFuture<T> quietly(Supplier<CompletableFuture<T>> call, T fallback) {
        try {
            return call.get().handle((value, error) -> {
                if (error != null) {
                    LOG.log(Level.FINE, () -> "shared lease store failed (" + error.getClass().getName() + "); continuing without it");
                    return fallback;
                }
                return value;
            }).completeOnTimeout(fallback, publicationWait.toMillis() + WAIT_SLACK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, () -> "shared lease store failed (" + e.getClass().getName() + "); continuing without it");
            return CompletableFuture.completedFuture(fallback);
        }
    }
}
