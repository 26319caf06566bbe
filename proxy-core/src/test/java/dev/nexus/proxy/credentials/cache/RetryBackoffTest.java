package dev.nexus.proxy.credentials.cache;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryBackoffTest {

    private final AtomicReference<Double> jitter = new AtomicReference<>(1.0);
    private final RetryBackoff backoff = new RetryBackoff(250, 30_000, jitter::get);

    @Test
    void delayDoublesPerFailureUpToTheCapWithFullJitter() {
        long now = 1_000_000;
        long[] expected = {250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000};
        for (long delay : expected) {
            backoff.onFailure("c1", now);
            assertEquals(Instant.ofEpochMilli(now + delay), backoff.retryAt("c1"));
        }
        jitter.set(0.5);
        backoff.onFailure("c1", now);
        assertEquals(Instant.ofEpochMilli(now + 15_000), backoff.retryAt("c1"), "jitter scales the whole delay");
        assertTrue(backoff.blocked("c1", now + 14_999));
        assertFalse(backoff.blocked("c1", now + 15_000));
        assertFalse(backoff.blocked("other", now), "per connection");
    }

    @Test
    void successForgetsTheConnection() {
        backoff.onFailure("c1", 0);
        backoff.onFailure("c1", 0);
        backoff.onSuccess("c1");
        assertNull(backoff.retryAt("c1"));
        backoff.onFailure("c1", 0);
        assertEquals(Instant.ofEpochMilli(250), backoff.retryAt("c1"), "starts over from the initial delay");
    }
}
