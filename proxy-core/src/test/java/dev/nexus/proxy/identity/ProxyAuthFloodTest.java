package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood of wrong {@code Proxy-Authorization} headers from one address costs a bounded number of PBKDF2
 * runs: a new agent from another address is checked after a handful of runs, not after the whole flood, and
 * the flooding address gets immediate 407s once it used up its budget. Real PBKDF2 hashes, counted.
 */
class ProxyAuthFloodTest {

    private static final InetAddress FLOODER = address("10.0.0.1");
    private static final InetAddress NEWCOMER = address("10.0.0.2");

    private final AtomicInteger pbkdf2Runs = new AtomicInteger();
    private final ProxyAuthenticator.SecretCheck counting = (stored, presented) -> {
        pbkdf2Runs.incrementAndGet();
        return stored.matches(presented);
    };

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFloodFromOneAddressDoesNotQueueAheadOfAnAgentFromAnother() throws Exception {
        try (ProxyAuthenticator authenticator = new ProxyAuthenticator(TestAgents.billingAndSearch(), counting, 1, 100,
                Duration.ofMinutes(1))) {
            List<CompletableFuture<AuthResult>> flood = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                flood.add(authenticator.verify(TestAgents.basic("billing-bot", "guess-" + i), FLOODER));
            }
            long refusedAtOnce = flood.stream().filter(f -> f.isDone()
                    && f.join().equals(new AuthResult.Challenge(AuthResult.Reason.RATE_LIMITED))).count();
            // Admitted: at most the in-flight budget at a time, and at most the failure budget in all.
            int admitted = AuthAttemptLimiter.MAX_IN_FLIGHT + AuthAttemptLimiter.MAX_FAILURES;
            assertThat(refusedAtOnce).isGreaterThanOrEqualTo(400 - admitted);

            AuthResult newcomer = authenticator.verify(TestAgents.basic("search-bot", TestAgents.SEARCH_SECRET), NEWCOMER)
                    .get(30, TimeUnit.SECONDS);

            assertThat(newcomer).isEqualTo(new AuthResult.Authenticated(
                    new AgentIdentity("search-bot", AgentIdentity.Method.PROXY_AUTH)));
            assertThat(pbkdf2Runs.get()).isLessThanOrEqualTo(admitted + 1);
        }
    }

    @Test
    void anAddressOverItsFailureBudgetIsRefusedWithoutAHashRunButCachedAgentsThereStillPass() throws Exception {
        try (ProxyAuthenticator authenticator = new ProxyAuthenticator(TestAgents.billingAndSearch(), counting, 1, 100,
                Duration.ofMinutes(1))) {
            String good = TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET);
            assertThat(authenticator.verify(good, FLOODER).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(AuthResult.Authenticated.class);
            for (int i = 0; i < AuthAttemptLimiter.MAX_FAILURES; i++) {
                assertThat(authenticator.verify(TestAgents.basic("billing-bot", "wrong-" + i), FLOODER)
                        .get(30, TimeUnit.SECONDS)).isEqualTo(new AuthResult.Challenge(AuthResult.Reason.WRONG_SECRET));
            }
            int runs = pbkdf2Runs.get();

            CompletableFuture<AuthResult> over = authenticator.verify(TestAgents.basic("search-bot",
                    TestAgents.SEARCH_SECRET), FLOODER);

            assertThat(over).isCompletedWithValue(new AuthResult.Challenge(AuthResult.Reason.RATE_LIMITED));
            assertThat(pbkdf2Runs.get()).isEqualTo(runs);
            assertThat(authenticator.verify(good, FLOODER)).isCompletedWithValueMatching(
                    result -> result instanceof AuthResult.Authenticated, "the cached agent is still let in");
            assertThat(authenticator.verify(TestAgents.basic("search-bot", TestAgents.SEARCH_SECRET), NEWCOMER)
                    .get(30, TimeUnit.SECONDS)).isInstanceOf(AuthResult.Authenticated.class);
        }
    }

    @Test
    void concurrentChecksOfTheSameHeaderShareOneHashRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ProxyAuthenticator.SecretCheck gated = (stored, presented) -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return counting.matches(stored, presented);
        };
        try (ProxyAuthenticator authenticator = new ProxyAuthenticator(TestAgents.billingAndSearch(), gated, 1, 100,
                Duration.ofMinutes(1))) {
            String good = TestAgents.basic("billing-bot", TestAgents.BILLING_SECRET);
            List<CompletableFuture<AuthResult>> burst = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                burst.add(authenticator.verify(good, NEWCOMER));
            }
            release.countDown();
            for (CompletableFuture<AuthResult> each : burst) {
                assertThat(each.get(30, TimeUnit.SECONDS)).isInstanceOf(AuthResult.Authenticated.class);
            }
            assertThat(pbkdf2Runs.get()).isEqualTo(1);
        }
    }
}
