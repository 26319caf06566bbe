package dev.nexus.proxy.inject;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.LeaseProvider;
import dev.nexus.proxy.strategy.CredentialStrategy;
import dev.nexus.proxy.strategy.Strategies;
import dev.nexus.proxy.strategy.StrategyOptions;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Turns an {@code inject} decision into an {@link InjectionPlan}: asks the lease provider for the
 * connection's credentials (cached, single-flight, never blocking) and picks the strategy. Strategies
 * are built once per distinct spec and route options, since building validates the config.
 */
public final class CredentialInjector {

    private record StrategyKey(StrategySpec spec, StrategyOptions options) {
    }

    private final LeaseProvider leases;
    private final Cache<StrategyKey, CredentialStrategy> strategies = Caffeine.newBuilder().maximumSize(4096).build();

    public CredentialInjector(LeaseProvider leases) {
        this.leases = leases;
    }

    /** Completes on any thread; failures are CredentialException or StrategyException. */
    public CompletableFuture<InjectionPlan> plan(Decision.Inject decision) {
        return leases.lease(decision.connectionId()).thenApply(lease -> planFor(decision, lease));
    }

    /** The origin rejected {@code rejected} with 401: one forced refresh (shared and rate-limited by the provider). */
    public CompletableFuture<InjectionPlan> replanAfterRejection(InjectionPlan rejected) {
        return leases.refreshAfterRejection(rejected.connectionId(), rejected.lease())
                .thenApply(lease -> planFor(rejected.decision(), lease));
    }

    /** Hears every connection whose credentials are withdrawn (see {@link LeaseProvider#onRevoked}). */
    public void onRevoked(Consumer<String> listener) {
        leases.onRevoked(listener);
    }

    private InjectionPlan planFor(Decision.Inject decision, Lease lease) {
        StrategySpec spec = decision.strategyOverride() != null ? decision.strategyOverride() : lease.strategy();
        StrategyKey key = new StrategyKey(spec, StrategyOptions.from(decision.options()));
        CredentialStrategy strategy = strategies.get(key, k -> Strategies.create(k.spec(), k.options()));
        return new InjectionPlan(decision, lease, strategy);
    }
}
