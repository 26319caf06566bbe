package dev.nexus.proxy.redact;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.strategy.CredentialStrategy;

/**
 * The compiled {@link SecretPatterns} of each lease and strategy, built on first use and shared by
 * every later request with that lease, so no request pays for compiling. Keyed by the lease object
 * itself (weakly): a refreshed lease is a new object and gets its own patterns, and the patterns of
 * a lease nobody uses any more are collected with it.
 */
public final class SecretPatternCache {

    /** The patterns of one lease, remembered for the strategy they were made for. */
    private record ForStrategy(CredentialStrategy strategy, SecretPatterns patterns) {
    }

    private final Cache<Lease, ForStrategy> byLease = Caffeine.newBuilder().weakKeys().maximumSize(16_384).build();

    /** The patterns for the secrets {@code plan}'s strategy takes from its lease. */
    public SecretPatterns patterns(InjectionPlan plan) {
        ForStrategy cached = byLease.getIfPresent(plan.lease());
        if (cached != null && cached.strategy() == plan.strategy()) {
            return cached.patterns();
        }
        // Rare: a new lease, or the same lease applied by a route's own strategy override.
        SecretPatterns patterns = SecretPatterns.compile(SecretForms.of(plan.strategy().secretValues(plan.lease())));
        byLease.put(plan.lease(), new ForStrategy(plan.strategy(), patterns));
        return patterns;
    }
}
