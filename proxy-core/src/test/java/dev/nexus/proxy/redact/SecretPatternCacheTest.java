package dev.nexus.proxy.redact;

import dev.nexus.proxy.inject.InjectionPlan;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Patterns are compiled once per lease and strategy, not per request. */
class SecretPatternCacheTest {

    @Test
    void everyRequestWithTheSameLeaseSharesOneCompiledAutomaton() {
        SecretPatternCache cache = new SecretPatternCache();
        InjectionPlan plan = RedactionFixtures.plan("api-key-value-0001");
        SecretPatterns first = cache.patterns(plan);
        InjectionPlan nextRequest = new InjectionPlan(plan.decision(), plan.lease(), plan.strategy());
        assertThat(cache.patterns(nextRequest)).isSameAs(first);
        assertThat(first.size()).isEqualTo(1); // raw, JSON and URL spellings are all the same bytes here

        InjectionPlan refreshed = RedactionFixtures.plan("api-key-value-0002");
        assertThat(cache.patterns(refreshed)).isNotSameAs(first);
    }
}
