package dev.nexus.proxy.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per source address budget for {@code Proxy-Authorization} checks that need a PBKDF2 run, so that one
 * address flooding wrong passwords cannot keep the verification threads busy for everyone else: at most
 * {@link #MAX_IN_FLIGHT} checks of one source run or wait at a time, and after {@link #MAX_FAILURES} failed
 * checks within {@link #WINDOW} the source gets an immediate 407 until the window ends. Cached successes never
 * reach this budget, so agents that already authenticated are not affected. Thread-safe, lock-free.
 */
final class AuthAttemptLimiter {

    static final int MAX_IN_FLIGHT = 8;
    static final int MAX_FAILURES = 20;
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final Cache<InetAddress, SourceAttempts> sources = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterAccess(WINDOW.multipliedBy(2)).build();

    /** What one source has running and how often it failed in the current window. */
    static final class SourceAttempts {
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger failures = new AtomicInteger();
        private final AtomicLong windowStart = new AtomicLong(System.nanoTime());

        private void rollWindow(long now) {
            long start = windowStart.get();
            if (now - start >= WINDOW.toNanos() && windowStart.compareAndSet(start, now)) {
                failures.set(0);
            }
        }
    }

    /**
     * Counts a check for {@code source} in and returns its budget (hand it to {@link #finished}), or returns
     * {@code null} when the source is over its budget and should get a 407 without a check.
     */
    SourceAttempts tryStart(InetAddress source) {
        SourceAttempts attempts = sources.get(source, s -> new SourceAttempts());
        attempts.rollWindow(System.nanoTime());
        if (attempts.failures.get() >= MAX_FAILURES) {
            return null;
        }
        if (attempts.inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            attempts.inFlight.decrementAndGet();
            return null;
        }
        return attempts;
    }

    void finished(SourceAttempts attempts, boolean failed) {
        attempts.inFlight.decrementAndGet();
        if (failed) {
            attempts.failures.incrementAndGet();
        }
    }
}
