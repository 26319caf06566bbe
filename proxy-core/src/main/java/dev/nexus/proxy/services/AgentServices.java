package dev.nexus.proxy.services;

import dev.nexus.proxy.identity.AgentLabels;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.audit.AuditTrail;
import io.netty.handler.ssl.SslContext;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.List;
import java.util.Set;

/**
 * What the data plane needs to know who an agent is and to account for what it did: one object so the
 * listener's constructors take a single parameter.
 *
 * @param identity     resolves each request's identity; {@code null} when identity is not enforced
 *                     (every request is then {@link dev.nexus.proxy.exchange.AgentIdentity#ANONYMOUS}-like,
 *                     and the policy sees the agent {@code ""} as before)
 * @param audit        where audit events go ({@link AuditTrail#DISABLED} when off)
 * @param labels       bounded per-agent metric labels
 * @param metrics      per-agent counters
 * @param mtlsListener server TLS context requiring client certificates for a TLS proxy listener, or
 *                     {@code null} when {@code mtls} is not configured
 */
public record AgentServices(IdentityResolver identity, AuditTrail audit, AgentLabels labels, AgentMetrics metrics,
                            SslContext mtlsListener) {

    /** No identity enforcement, no audit trail; metrics registered in a private registry. */
    public static AgentServices none() {
        return new AgentServices(null, AuditTrail.DISABLED, new AgentLabels(Set.of(), List.of()),
                new AgentMetrics(new PrometheusRegistry()), null);
    }
}
