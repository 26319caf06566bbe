package dev.nexus.proxy.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Locale;

/**
 * Per-agent request and denial counters. The {@code agent} label must come from
 * {@link dev.nexus.proxy.identity.AgentLabels} and {@code route} from the policy, so both are bounded
 * by configuration and a caller cannot grow the registry.
 *
 * <ul>
 *   <li>{@code nexus_agent_requests_total{agent,route}}: requests and CONNECTs an identified (or refused) agent made</li>
 *   <li>{@code nexus_agent_denials_total{agent,route,reason}}: those refused, by {@link Denial}</li>
 * </ul>
 */
public final class AgentMetrics {

    /** Why an agent's request was refused. */
    public enum Denial {
        /** The policy denied it (route or default). */
        POLICY,
        /** 407: no or wrong proxy credentials. */
        PROXY_AUTH,
        /** 403: no identity method named the agent. */
        UNIDENTIFIED,
        /** 403/400: the agent named a connection the route does not offer, or none where one is needed. */
        CONNECTION_NOT_ALLOWED;

        private final String label = name().toLowerCase(Locale.ROOT);
    }

    private final Counter requests;
    private final Counter denials;

    public AgentMetrics(PrometheusRegistry registry) {
        requests = Counter.builder()
                .name("nexus_agent_requests_total")
                .help("Requests and CONNECTs by agent identity (bounded: configured identities, anonymous, other) and policy route.")
                .labelNames("agent", "route")
                .withoutExemplars()
                .register(registry);
        denials = Counter.builder()
                .name("nexus_agent_denials_total")
                .help("Requests refused by the proxy, by agent identity, policy route and reason.")
                .labelNames("agent", "route", "reason")
                .withoutExemplars()
                .register(registry);
    }

    /** Counts one request; {@code route} {@code null} means none matched (or policy was not consulted). */
    public void requested(String agentLabel, String route) {
        requests.labelValues(agentLabel, route == null ? ProxyMetrics.NO_ROUTE : route).inc();
    }

    /** Counts one refusal (call {@link #requested} for it too). */
    public void denied(String agentLabel, String route, Denial reason) {
        denials.labelValues(agentLabel, route == null ? ProxyMetrics.NO_ROUTE : route, reason.label).inc();
    }
}
