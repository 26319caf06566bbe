package dev.nexus.proxy.redact;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.strategy.StrategyOptions;
import dev.nexus.proxy.strategy.Strategies;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A {@link ResponseRedaction} for a header-strategy lease on route {@code route-conn}, without a proxy around it. */
final class RedactionFixtures {

    private RedactionFixtures() {
    }

    static InjectionPlan plan(String apiKey) {
        StrategySpec spec = new StrategySpec("header", Map.of("header_name", "X-API-Key"));
        RouteOptions options = new RouteOptions(false, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false);
        Decision.Inject decision = new Decision.Inject("route-conn", "test", options, address -> true, "conn", null);
        Lease lease = new Lease("conn", spec, Map.of("api_key", apiKey), null, Instant.now());
        return new InjectionPlan(decision, lease, Strategies.create(spec, StrategyOptions.from(options)));
    }

    static ResponseRedaction redaction(String apiKey, ProxyEvents events) {
        return ResponseRedaction.open(plan(apiKey), new SecretPatternCache(), events);
    }
}
