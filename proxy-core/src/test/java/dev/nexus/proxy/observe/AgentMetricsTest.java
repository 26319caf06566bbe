package dev.nexus.proxy.observe;

import dev.nexus.policy.pattern.AgentPattern;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.identity.AgentLabels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AgentMetricsTest {

    @Test
    void requestsAndDenialsAreCountedPerBoundedAgentLabelAndRoute() {
        PrometheusRegistry registry = new PrometheusRegistry();
        AgentMetrics metrics = new AgentMetrics(registry);
        AgentLabels labels = new AgentLabels(Set.of("billing-bot"), List.of(AgentPattern.parse("spiffe://prod/*")));

        for (int i = 0; i < 100; i++) {
            String agent = labels.label(new AgentIdentity("cert-" + i, AgentIdentity.Method.MTLS));
            metrics.requested(agent, "github");
            metrics.denied(agent, "github", AgentMetrics.Denial.POLICY);
        }
        metrics.requested(labels.label(new AgentIdentity("billing-bot", AgentIdentity.Method.PROXY_AUTH)), null);
        metrics.denied(labels.label(null), null, AgentMetrics.Denial.PROXY_AUTH);

        assertEquals(100, MetricValues.value(registry, "nexus_agent_requests", "agent", "other", "route", "github"));
        assertEquals(100, MetricValues.value(registry, "nexus_agent_denials", "agent", "other", "reason", "policy", "route", "github"));
        assertEquals(1, MetricValues.value(registry, "nexus_agent_requests", "agent", "billing-bot", "route", "none"));
        assertEquals(1, MetricValues.value(registry, "nexus_agent_denials", "agent", "none", "reason", "proxy_auth", "route", "none"));
        assertEquals(2, registry.scrape().stream().filter(s -> s.getMetadata().getName().equals("nexus_agent_requests"))
                .findFirst().orElseThrow().getDataPoints().size(), "one series per label, not per identity");
    }
}
