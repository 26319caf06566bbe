package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.policy.pattern.AgentPattern;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AgentLabelsTest {

    private final AgentLabels labels = new AgentLabels(Set.of("billing-bot", "sidecar"),
            List.of(AgentPattern.parse("spiffe://prod/ns/billing/*")));

    @Test
    void configuredNamesAndPatternsKeepTheirLabelEverythingElseIsOther() {
        assertEquals("billing-bot", labels.label(new AgentIdentity("billing-bot", AgentIdentity.Method.PROXY_AUTH)));
        assertEquals("spiffe://prod/ns/billing/*",
                labels.label(new AgentIdentity("spiffe://prod/ns/billing/sa/bot", AgentIdentity.Method.MTLS)));
        assertEquals("other", labels.label(new AgentIdentity("spiffe://prod/ns/search/sa/bot", AgentIdentity.Method.MTLS)));
        assertEquals("anonymous", labels.label(AgentIdentity.ANONYMOUS));
        assertEquals("none", labels.label(null));
    }

    @Test
    void aFloodOfUnknownIdentitiesYieldsABoundedSetOfLabels() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(labels.label(new AgentIdentity("cn-" + i, AgentIdentity.Method.MTLS)));
            seen.add(labels.label(new AgentIdentity("spiffe://prod/ns/billing/sa/" + i, AgentIdentity.Method.MTLS)));
        }
        assertEquals(Set.of("other", "spiffe://prod/ns/billing/*"), seen);
    }
}
