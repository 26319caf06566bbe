package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.strategy.CredentialStrategy;
import dev.nexus.proxy.strategy.OutboundRequest;

/**
 * How one request of an {@code inject} route gets its credentials: the lease, the strategy that
 * applies it (the route's override or the Authority's), and the route's own stripping rules.
 * Immutable; made fresh for every request (and again after a 401 refresh).
 */
public record InjectionPlan(Decision.Inject decision, Lease lease, CredentialStrategy strategy) {

    /** Whether the body must be buffered before the request can be sent. */
    public boolean needsBody() {
        return strategy.needsBody();
    }

    /** Whether this request's body must be buffered before it can be sent; ask after {@link #strip}. */
    public boolean needsBody(OutboundRequest request) {
        return strategy.needsBody(request);
    }

    /**
     * Removes what the agent sent that could collide with or observe the credential, and the route's
     * {@code strip_request_headers}. Safe to repeat before a replay.
     */
    public void strip(OutboundRequest request) {
        for (String name : decision.options().stripRequestHeaders()) {
            request.headers().remove(name);
        }
        strategy.stripAgentCredentials(request);
    }

    /** Applies the credentials: the last change made to the request. */
    public void apply(OutboundRequest request) {
        strategy.apply(request, lease);
    }

    /** The audit fields this plan decides: route, action, connection, strategy type and lease age. */
    public AuditEvent.Builder describe(AuditEvent.Builder event, long nowMillis) {
        return event.decision(decision).strategy(strategy.type().wireName())
                .leaseAgeMillis(Math.max(0, nowMillis - lease.fetchedAt().toEpochMilli()));
    }

    public String routeName() {
        return decision.routeName();
    }

    public String connectionId() {
        return decision.connectionId();
    }
}
