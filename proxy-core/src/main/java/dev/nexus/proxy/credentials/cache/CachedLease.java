package dev.nexus.proxy.credentials.cache;

import dev.nexus.proxy.credentials.Lease;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A lease in the L1 cache with its timing precomputed in epoch milliseconds, so a cache hit costs a
 * few comparisons and no allocation (the completed future is shared by every hit).
 */
final class CachedLease {

    static final long NEVER = Long.MAX_VALUE;

    final Lease lease;
    /** Order of the load that produced it: a later-started load wins, so a slow old fetch never overwrites a forced refresh. */
    final long sequence;
    final long refreshAtMillis;
    final long usableUntilMillis;
    /** The credential's own expiry: the limit for serving it while the Authority is unavailable. */
    final long hardExpiryMillis;
    final CompletableFuture<Lease> completed;
    private volatile long lastUsedMillis = -1;

    private CachedLease(Lease lease, long sequence, long refreshAtMillis, long usableUntilMillis, long hardExpiryMillis) {
        this.lease = lease;
        this.sequence = sequence;
        this.refreshAtMillis = refreshAtMillis;
        this.usableUntilMillis = usableUntilMillis;
        this.hardExpiryMillis = hardExpiryMillis;
        this.completed = CompletableFuture.completedFuture(lease);
    }

    /**
     * Usable until {@code expires_at - margin} (the margin shrinks to half the lifetime for short leases),
     * or {@code fetchedAt + maxAge} without expiry; due for refresh once {@code fraction} of that usable time has passed.
     */
    static CachedLease of(Lease lease, long sequence, LeaseCacheSettings settings) {
        long fetched = lease.fetchedAt().toEpochMilli();
        long usableUntil;
        long hardExpiry;
        if (lease.expiresAt() == null) {
            usableUntil = fetched + settings.maxAgeWithoutExpiry().toMillis();
            hardExpiry = NEVER;
        } else {
            hardExpiry = lease.expiresAt().toEpochMilli();
            long lifetime = Math.max(0, hardExpiry - fetched);
            usableUntil = hardExpiry - Math.min(settings.safetyMargin().toMillis(), lifetime / 2);
        }
        long refreshAt = fetched + (long) (settings.refreshAheadFraction() * Math.max(0, usableUntil - fetched));
        return new CachedLease(lease, sequence, refreshAt, usableUntil, hardExpiry);
    }

    LeaseState state(long nowMillis) {
        if (nowMillis < refreshAtMillis) {
            return LeaseState.FRESH;
        }
        return nowMillis < usableUntilMillis ? LeaseState.REFRESH_DUE : LeaseState.STALE;
    }

    void touch(long nowMillis) {
        lastUsedMillis = nowMillis;
    }

    LeaseView view(long nowMillis) {
        long lastUsed = lastUsedMillis;
        return new LeaseView(lease.connectionId(), state(nowMillis), lease.strategy().type(), lease.fetchedAt(),
                lease.expiresAt(), Instant.ofEpochMilli(refreshAtMillis), lastUsed < 0 ? null : Instant.ofEpochMilli(lastUsed));
    }
}
