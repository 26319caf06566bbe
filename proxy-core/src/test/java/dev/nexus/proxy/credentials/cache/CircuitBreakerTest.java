package dev.nexus.proxy.credentials.cache;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    private final CircuitBreaker breaker = new CircuitBreaker("test source", 3, 5_000, clock);

    private void failTimes(int times) {
        for (int i = 0; i < times; i++) {
            assertTrue(breaker.tryAcquire());
            breaker.onUnavailable();
        }
    }

    @Test
    void opensAfterConsecutiveFailuresOnly() {
        failTimes(2);
        breaker.onSuccess();
        failTimes(2);
        assertFalse(breaker.refusing(), "a success in between resets the count");
        failTimes(1);
        assertTrue(breaker.refusing());
        assertFalse(breaker.tryAcquire());
    }

    @Test
    void halfOpenLetsOneProbeThroughAndAFailedProbeReopens() {
        failTimes(3);
        clock.advance(Duration.ofMillis(4_999));
        assertFalse(breaker.tryAcquire(), "still cooling down");
        clock.advance(Duration.ofMillis(1));
        assertTrue(breaker.tryAcquire(), "the probe");
        assertFalse(breaker.tryAcquire(), "only one probe at a time");
        breaker.onUnavailable();
        assertTrue(breaker.refusing(), "failed probe: open again for a full cool-down");
        clock.advance(Duration.ofSeconds(5));
        assertTrue(breaker.tryAcquire());
        breaker.onSuccess();
        assertFalse(breaker.refusing());
        assertTrue(breaker.tryAcquire());
        assertTrue(breaker.tryAcquire());
    }
}
