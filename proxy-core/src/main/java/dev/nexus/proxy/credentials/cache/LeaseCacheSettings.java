package dev.nexus.proxy.credentials.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of the {@link LeaseCache}. Start from {@link #defaults()} and change what you need with {@link #toBuilder()}.
 *
 * @param safetyMargin            a lease is used until {@code expires_at} minus this margin (default 30 s); for leases
 *                                shorter than twice the margin, half their lifetime is used as margin instead
 * @param maxAgeWithoutExpiry     a lease without {@code expires_at} is used for this long before it is fetched
 *                                again (default 15 min)
 * @param refreshAheadFraction    once this fraction of a lease's usable lifetime has passed, the next use
 *                                refreshes it in the background while still serving it (default 0.8)
 * @param forcedRefreshInterval   at most one forced refresh (after an upstream 401) per connection per interval
 *                                (default 5 s)
 * @param negativeCacheTtl        how long a terminal or configuration answer (revoked, not found, attention
 *                                required, invalid id, proxy unauthorized) is remembered without asking again
 *                                (default 10 s)
 * @param backoffInitial          first retry delay for a connection after the Authority was unavailable
 *                                (default 250 ms); doubles per consecutive failure, with full jitter
 * @param backoffMax              cap of that delay (default 30 s)
 * @param breakerFailureThreshold consecutive "unavailable" answers that open the circuit to the source (default 5)
 * @param breakerCoolDown         how long an open circuit fails fast before one probe call is let through (default 5 s)
 * @param sharedFetchLockHold     how long a replica holds the shared fetch lock (default 10 s; longer than an
 *                                Authority call can take)
 * @param sharedPublicationWait   how long a replica that lost the fetch lock waits for the winner's lease before
 *                                calling the Authority itself (default 3 s)
 * @param maximumLeases           bound on cached leases (default 100,000)
 */
public record LeaseCacheSettings(Duration safetyMargin, Duration maxAgeWithoutExpiry, double refreshAheadFraction,
                                 Duration forcedRefreshInterval, Duration negativeCacheTtl,
                                 Duration backoffInitial, Duration backoffMax,
                                 int breakerFailureThreshold, Duration breakerCoolDown,
                                 Duration sharedFetchLockHold, Duration sharedPublicationWait, long maximumLeases) {

    public LeaseCacheSettings {
        requireNonNegative(safetyMargin, "safetyMargin");
        requirePositive(maxAgeWithoutExpiry, "maxAgeWithoutExpiry");
        if (!(refreshAheadFraction > 0 && refreshAheadFraction <= 1)) {
            throw new IllegalArgumentException("refreshAheadFraction must be in (0, 1], got " + refreshAheadFraction);
        }
        requireNonNegative(forcedRefreshInterval, "forcedRefreshInterval");
        requireNonNegative(negativeCacheTtl, "negativeCacheTtl");
        requirePositive(backoffInitial, "backoffInitial");
        requirePositive(backoffMax, "backoffMax");
        if (breakerFailureThreshold < 1) {
            throw new IllegalArgumentException("breakerFailureThreshold must be at least 1, got " + breakerFailureThreshold);
        }
        requirePositive(breakerCoolDown, "breakerCoolDown");
        requirePositive(sharedFetchLockHold, "sharedFetchLockHold");
        requirePositive(sharedPublicationWait, "sharedPublicationWait");
        if (maximumLeases < 1) {
            throw new IllegalArgumentException("maximumLeases must be at least 1, got " + maximumLeases);
        }
    }

    public static LeaseCacheSettings defaults() {
        return new LeaseCacheSettings(Duration.ofSeconds(30), Duration.ofMinutes(5), 0.8,
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMillis(250), Duration.ofSeconds(30),
                5, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(3), 100_000);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void requireNonNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }

    /** Changes some settings, keeping the others. */
    public static final class Builder {
        private Duration safetyMargin;
        private Duration maxAgeWithoutExpiry;
        private double refreshAheadFraction;
        private Duration forcedRefreshInterval;
        private Duration negativeCacheTtl;
        private Duration backoffInitial;
        private Duration backoffMax;
        private int breakerFailureThreshold;
        private Duration breakerCoolDown;
        private Duration sharedFetchLockHold;
        private Duration sharedPublicationWait;
        private long maximumLeases;

        private Builder(LeaseCacheSettings from) {
            safetyMargin = from.safetyMargin;
            maxAgeWithoutExpiry = from.maxAgeWithoutExpiry;
            refreshAheadFraction = from.refreshAheadFraction;
            forcedRefreshInterval = from.forcedRefreshInterval;
            negativeCacheTtl = from.negativeCacheTtl;
            backoffInitial = from.backoffInitial;
            backoffMax = from.backoffMax;
            breakerFailureThreshold = from.breakerFailureThreshold;
            breakerCoolDown = from.breakerCoolDown;
            sharedFetchLockHold = from.sharedFetchLockHold;
            sharedPublicationWait = from.sharedPublicationWait;
            maximumLeases = from.maximumLeases;
        }

        public Builder safetyMargin(Duration value) {
            safetyMargin = value;
            return this;
        }

        public Builder maxAgeWithoutExpiry(Duration value) {
            maxAgeWithoutExpiry = value;
            return this;
        }

        public Builder refreshAheadFraction(double value) {
            refreshAheadFraction = value;
            return this;
        }

        public Builder forcedRefreshInterval(Duration value) {
            forcedRefreshInterval = value;
            return this;
        }

        public Builder negativeCacheTtl(Duration value) {
            negativeCacheTtl = value;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            backoffInitial = initial;
            backoffMax = max;
            return this;
        }

        public Builder breaker(int failureThreshold, Duration coolDown) {
            breakerFailureThreshold = failureThreshold;
            breakerCoolDown = coolDown;
            return this;
        }

        public Builder shared(Duration fetchLockHold, Duration publicationWait) {
            sharedFetchLockHold = fetchLockHold;
            sharedPublicationWait = publicationWait;
            return this;
        }

        public Builder maximumLeases(long value) {
            maximumLeases = value;
            return this;
        }

        public LeaseCacheSettings build() {
            return new LeaseCacheSettings(safetyMargin, maxAgeWithoutExpiry, refreshAheadFraction, forcedRefreshInterval,
                    negativeCacheTtl, backoffInitial, backoffMax, breakerFailureThreshold, breakerCoolDown,
                    sharedFetchLockHold, sharedPublicationWait, maximumLeases);
        }
    }
}
