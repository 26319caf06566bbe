package dev.nexus.proxy.credentials.cache;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySource;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Availability;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static dev.nexus.proxy.credentials.CredentialTestSupport.metric;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lease cache over the real Nexus source and a TestAuthority on loopback; time is a hand-moved clock. */
class LeaseCacheTest {

    private static final Instant START = Instant.parse("2026-11-29T10:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final TestAuthority authority = TestAuthority.start();
    private final NexusAuthoritySource source = new NexusAuthoritySource(
            NexusAuthoritySettings.of(authority.baseUri(), null), new PrometheusRegistry(), clock);
    private final ExecutorService background = Executors.newFixedThreadPool(2);
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private LeaseCache cache;

    private LeaseCache cache(LeaseCacheSettings settings) {
        cache = LeaseCache.builder(source, registry).settings(settings).clock(clock).executor(background)
                .jitter(() -> 1.0).build();
        return cache;
    }

    private LeaseCache cache() {
        return cache(LeaseCacheSettings.defaults());
    }

    @AfterEach
    void stop() {
        if (cache != null) {
            cache.close();
        }
        background.shutdownNow();
        source.close();
        authority.close();
    }

    private static Instant in(Duration duration) {
        return START.plus(duration);
    }

    private static String key(Lease lease) {
        return lease.credential("api_key");
    }

    /**
     * The narrow window of single-flight: a miss looks in L1 just before the running load stores its lease, and
     * claims the in-flight slot just after that load left it. The source's {@code backendFor}, which the cache
     * asks between the two, holds the second caller there until the first load has finished.
     */
    @Test
    void aMissThatArrivesAsTheLoadEndsTakesItsLeaseInsteadOfCallingAgain() throws Exception {
        authority.respond("c1", Reply.apiKey("once", in(Duration.ofHours(1)))).latency(Duration.ofMillis(200));
        AtomicReference<CompletableFuture<Lease>> finishFirst = new AtomicReference<>();
        CredentialSource pausing = new CredentialSource() {
            @Override
            public CompletableFuture<Lease> fetch(String connectionId) {
                return source.fetch(connectionId);
            }

            @Override
            public CompletableFuture<Lease> refresh(String connectionId) {
                return source.refresh(connectionId);
            }

            @Override
            public CredentialSource backendFor(String connectionId) {
                CompletableFuture<Lease> first = finishFirst.getAndSet(null);
                if (first != null) {
                    first.join();
                }
                return this;
            }
        };
        cache = LeaseCache.builder(pausing, registry).clock(clock).executor(background).jitter(() -> 1.0).build();

        CompletableFuture<Lease> first = cache.lease("c1");
        assertFalse(first.isDone(), "the Authority takes 200 ms to answer");
        finishFirst.set(first);
        CompletableFuture<Lease> second = cache.lease("c1");

        assertEquals("once", key(await(second)));
        assertEquals(1, authority.calls(Endpoint.TOKEN, "c1"));
    }

    @Test
    void firstUseFetchesThenEveryUseIsAnImmediateHit() throws Exception {
        authority.respond("c1", Reply.apiKey("first", in(Duration.ofHours(1))));
        cache();
        assertEquals("first", key(await(cache.lease("c1"))));
        for (int i = 0; i < 10; i++) {
            CompletableFuture<Lease> hit = cache.lease("c1");
            assertTrue(hit.isDone(), "a cached lease is handed out without waiting");
            assertEquals("first", key(hit.join()));
        }
        assertEquals(1, authority.calls(Endpoint.TOKEN, "c1"));
        assertEquals(10, metric(registry, "nexus_credential_cache_requests", "level", "l1", "result", "hit"));
        assertEquals(1, metric(registry, "nexus_credential_cache_requests", "level", "l1", "result", "miss"));
    }

    @Test
    void leaseIsUsedUntilExpiryMinusTheSafetyMargin() throws Exception {
        authority.respond("c1", Reply.apiKey("first", in(Duration.ofMinutes(10))));
        cache(LeaseCacheSettings.defaults().toBuilder().refreshAheadFraction(1.0).build());
        await(cache.lease("c1"));
        authority.respond("c1", Reply.apiKey("second", in(Duration.ofMinutes(20))));

        clock.advance(Duration.ofMinutes(9).plusSeconds(29));
        assertEquals("first", key(cache.lease("c1").join()), "30 s margin not reached yet");
        assertEquals(1, authority.calls(Endpoint.TOKEN, "c1"));

        clock.advance(Duration.ofSeconds(2));
        assertEquals("second", key(await(cache.lease("c1"))), "inside the margin the lease is fetched again");
        assertEquals(2, authority.calls(Endpoint.TOKEN, "c1"));
    }

    @Test
    void leaseWithoutExpiryIsKeptFiveMinutesByDefaultSoARotatedStaticKeyIsPickedUp() throws Exception {
        authority.respond("static", Reply.apiKey("static-1", null));
        cache(LeaseCacheSettings.defaults());
        await(cache.lease("static"));
        authority.respond("static", Reply.apiKey("static-2", null));
        clock.advance(Duration.ofMinutes(3));
        assertEquals("static-1", key(cache.lease("static").join()));
        clock.advance(Duration.ofMinutes(2).plusSeconds(1));
        assertEquals("static-2", key(await(cache.lease("static"))), "protocol 0.4: no expiry means five minutes");
    }

    @Test
    void leaseWithoutExpiryIsKeptForTheMaxAge() throws Exception {
        authority.respond("static", Reply.apiKey("static-1", null));
        cache(LeaseCacheSettings.defaults().toBuilder().refreshAheadFraction(1.0).maxAgeWithoutExpiry(Duration.ofMinutes(15)).build());
        await(cache.lease("static"));
        authority.respond("static", Reply.apiKey("static-2", null));
        clock.advance(Duration.ofMinutes(14).plusSeconds(59));
        assertEquals("static-1", key(cache.lease("static").join()));
        clock.advance(Duration.ofSeconds(2));
        assertEquals("static-2", key(await(cache.lease("static"))));
        assertEquals(2, authority.calls(Endpoint.TOKEN, "static"));
    }

    @Test
    void refreshAheadServesTheCurrentLeaseWithoutWaiting() throws Exception {
        authority.respond("c1", Reply.apiKey("first", in(Duration.ofMinutes(10))));
        cache();
        await(cache.lease("c1"));
        // Long enough that the 50 uses below certainly happen while the refresh is in flight.
        authority.respond("c1", Reply.apiKey("second", in(Duration.ofMinutes(20)))).latency(Duration.ofMillis(1500));

        // Usable life 9m30s; 80 % of it is 7m36s.
        clock.advance(Duration.ofMinutes(7).plusSeconds(35));
        assertTrue(cache.lease("c1").isDone());
        assertEquals(1, authority.calls(Endpoint.TOKEN, "c1"), "not due yet");

        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 50; i++) {
            CompletableFuture<Lease> served = cache.lease("c1");
            assertTrue(served.isDone(), "no request waits while the refresh runs");
            assertEquals("first", key(served.join()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> "second".equals(key(cache.lease("c1").join())));
        assertEquals(2, authority.calls(Endpoint.TOKEN, "c1"), "one background refresh for all those uses");
        assertEquals(1, metric(registry, "nexus_credential_refreshes", "kind", "ahead"));
        assertEquals(1, metric(registry, "nexus_credential_cache_requests", "level", "l1", "result", "miss"));
    }

    @Test
    void twoHundredConcurrentMissesMakeOneAuthorityCall() throws Exception {
        authority.respond("cold", Reply.apiKey("shared", in(Duration.ofHours(1)))).latency(Duration.ofMillis(200));
        cache();
        ExecutorService callers = Executors.newFixedThreadPool(32);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<CompletableFuture<Lease>>> started = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                started.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return cache.lease("cold");
                }, callers));
            }
            go.countDown();
            for (CompletableFuture<CompletableFuture<Lease>> call : started) {
                assertEquals("shared", key(await(call.get(10, TimeUnit.SECONDS))));
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(1, authority.calls(Endpoint.TOKEN, "cold"));
        double misses = metric(registry, "nexus_credential_cache_requests", "level", "l1", "result", "miss");
        assertEquals(misses - 1, metric(registry, "nexus_credential_singleflight_waits"), "every other miss joined the one call");
    }

    @Test
    void rejectionForcesOneSharedRefreshThenRateLimits() throws Exception {
        authority.respond("rot", generation -> Reply.apiKey("v" + generation, in(Duration.ofHours(1))));
        cache();
        Lease v0 = await(cache.lease("rot"));
        authority.latency(Duration.ofMillis(200));

        List<CompletableFuture<Lease>> concurrent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            concurrent.add(cache.refreshAfterRejection("rot", v0));
        }
        for (CompletableFuture<Lease> refreshed : concurrent) {
            assertEquals("v1", key(await(refreshed)));
        }
        assertEquals(1, authority.calls(Endpoint.REFRESH, "rot"));
        assertEquals("v1", key(cache.lease("rot").join()), "the refreshed lease replaced the rejected one");
        assertEquals("v1", key(await(cache.refreshAfterRejection("rot", v0))), "a late caller with the old lease gets the new one");

        Lease v1 = cache.lease("rot").join();
        CredentialException limited = failure(cache.refreshAfterRejection("rot", v1));
        assertEquals(Kind.UNAVAILABLE, limited.kind());
        assertTrue(limited.getMessage().contains("rejected the credentials again"), limited.getMessage());
        assertEquals(1, authority.calls(Endpoint.REFRESH, "rot"), "rate limited: no second refresh within 5 s");

        clock.advance(Duration.ofSeconds(6));
        assertEquals("v2", key(await(cache.refreshAfterRejection("rot", v1))));
        assertEquals(2, authority.calls(Endpoint.REFRESH, "rot"));
        assertEquals(2, metric(registry, "nexus_credential_refreshes", "kind", "forced"));
    }

    private LeaseCacheSettings outageSettings() {
        return LeaseCacheSettings.defaults().toBuilder()
                .backoff(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .breaker(3, Duration.ofSeconds(5))
                .build();
    }

    @Test
    void authorityDownValidLeaseKeepsServingUntilItsOwnExpiry() throws Exception {
        authority.respond("c1", Reply.apiKey("still-good", in(Duration.ofMinutes(10))));
        cache(outageSettings());
        await(cache.lease("c1"));
        authority.availability(Availability.DOWN_503);

        clock.advance(Duration.ofMinutes(8));
        assertEquals("still-good", key(cache.lease("c1").join()), "refresh-ahead fails in the background, lease still served");
        await().atMost(Duration.ofSeconds(5)).until(() -> metric(registry, "nexus_credential_refreshes", "kind", "failed") == 1);

        clock.advance(Duration.ofMinutes(1).plusSeconds(45));  // 9m45s: inside the safety margin, before expiry
        assertEquals("still-good", key(await(cache.lease("c1"))), "fail static past the refresh point");
        int callsWhileDown = authority.calls(Endpoint.TOKEN, "c1");
        for (int i = 0; i < 20; i++) {
            assertEquals("still-good", key(cache.lease("c1").join()));
        }
        assertEquals(callsWhileDown, authority.calls(Endpoint.TOKEN, "c1"), "backing off: no call per request");
        assertEquals(LeaseState.STALE, cache.view().get(0).state());
    }

    @Test
    void authorityDownExpiredLeaseFailsFastThenRecovers() throws Exception {
        authority.respond("c1", Reply.apiKey("old", in(Duration.ofMinutes(10))));
        cache(outageSettings());
        await(cache.lease("c1"));
        authority.availability(Availability.DOWN_503);
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));

        CredentialException first = failure(cache.lease("c1"));
        assertEquals(Kind.UNAVAILABLE, first.kind());
        int calls = authority.calls(Endpoint.TOKEN, "c1");
        CompletableFuture<Lease> fast = cache.lease("c1");
        assertTrue(fast.isDone(), "while backing off, an expired connection fails without waiting");
        assertEquals(Kind.UNAVAILABLE, failure(fast).kind());
        assertEquals(calls, authority.calls(Endpoint.TOKEN, "c1"));

        // Keep failing until the circuit opens (3 consecutive failures), then calls stop entirely.
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(11));
            failure(cache.lease("c1"));
        }
        int callsWhenOpen = authority.calls(Endpoint.TOKEN, "c1");
        assertEquals(1, metric(registry, "nexus_authority_circuit_open"));
        clock.advance(Duration.ofSeconds(2));
        CredentialException open = failure(cache.lease("c1"));
        assertTrue(open.getMessage().contains("circuit open"), open.getMessage());
        assertEquals(callsWhenOpen, authority.calls(Endpoint.TOKEN, "c1"));

        authority.respond("c1", Reply.apiKey("new", in(Duration.ofMinutes(30)))).availability(Availability.UP);
        clock.advance(Duration.ofSeconds(11));
        assertEquals("new", key(await(cache.lease("c1"))), "recovery is automatic once the cool-down and backoff pass");
        assertEquals(0, metric(registry, "nexus_authority_circuit_open"));
        assertTrue(cache.lease("c1").isDone());
    }

    static Stream<Arguments> terminalAnswers() {
        return Stream.of(
                Arguments.of(Reply.revoked(), Kind.REVOKED),
                Arguments.of(Reply.notFound(), Kind.NOT_FOUND),
                Arguments.of(Reply.attentionRequired("re-consent needed"), Kind.ATTENTION_REQUIRED));
    }

    @ParameterizedTest
    @MethodSource("terminalAnswers")
    void terminalAnswersDropTheLeaseAndAreRememberedBriefly(Reply terminal, Kind kind) throws Exception {
        authority.respond("c1", Reply.apiKey("doomed", in(Duration.ofMinutes(10))));
        InMemorySharedStore shared = new InMemorySharedStore();
        cache = LeaseCache.builder(source, registry).clock(clock).executor(background).sharedStore(shared.replica()).build();
        await(cache.lease("c1"));
        assertTrue(shared.record("c1").isPresent());

        authority.respond("c1", terminal);
        clock.advance(Duration.ofMinutes(9).plusSeconds(45));
        assertEquals(kind, failure(cache.lease("c1")).kind());
        assertTrue(cache.view().isEmpty(), "dropped locally");
        assertFalse(shared.record("c1").isPresent(), "dropped in the shared store");

        int calls = authority.calls(Endpoint.TOKEN, "c1");
        for (int i = 0; i < 50; i++) {
            assertEquals(kind, failure(cache.lease("c1")).kind());
        }
        assertEquals(kind, failure(cache.refreshAfterRejection("c1", new Lease("c1", dev.nexus.policy.model.StrategySpec.of("header"),
                java.util.Map.of(), null, START))).kind());
        assertEquals(calls, authority.calls(Endpoint.TOKEN, "c1"), "negative cache: no Authority call within 10 s");
        clock.advance(Duration.ofSeconds(11));
        assertEquals(kind, failure(cache.lease("c1")).kind());
        assertEquals(calls + 1, authority.calls(Endpoint.TOKEN, "c1"), "asked again once the negative cache expired");
    }

    @Test
    void viewShowsTimingButNoSecrets() throws Exception {
        authority.respond("c1", Reply.apiKey("view-secret-42", in(Duration.ofMinutes(10))));
        // Background refreshes wait here until released, so the refresh-ahead started by the use at minute 8
        // cannot replace the due lease before the view and the gauge are read.
        List<Runnable> heldRefreshes = new ArrayList<>();
        cache = LeaseCache.builder(source, registry).clock(clock).executor(heldRefreshes::add)
                .jitter(() -> 1.0).build();
        await(cache.lease("c1"));
        List<LeaseView> view = cache.view();
        assertEquals(1, view.size());
        LeaseView entry = view.get(0);
        assertEquals("c1", entry.connectionId());
        assertEquals(LeaseState.FRESH, entry.state());
        assertEquals("header", entry.strategyType());
        assertEquals(in(Duration.ofMinutes(10)), entry.expiresAt());
        assertEquals(START, entry.fetchedAt());
        assertNull(entry.lastUsedAt(), "the fetching call is not a use of a cached lease");
        clock.advance(Duration.ofMinutes(8));
        cache.lease("c1").join();
        entry = cache.view().get(0);
        assertEquals(in(Duration.ofMinutes(8)), entry.lastUsedAt());
        assertEquals(LeaseState.REFRESH_DUE, entry.state());
        assertFalse(entry.toString().contains("view-secret-42"));
        assertEquals(1, metric(registry, "nexus_credential_leases", "state", "refresh_due"));
        assertEquals(1, heldRefreshes.size(), "the use at minute 8 started one refresh-ahead");
        heldRefreshes.forEach(Runnable::run);
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.view().get(0).state() == LeaseState.FRESH);
        assertEquals(0, metric(registry, "nexus_credential_leases", "state", "refresh_due"));
    }

    @Test
    void invalidateDropsTheLease() throws Exception {
        authority.respond("c1", Reply.apiKey("x", in(Duration.ofMinutes(10))));
        cache();
        Lease first = await(cache.lease("c1"));
        cache.invalidate("c1");
        assertTrue(cache.view().isEmpty());
        assertEquals(first.credentials(), await(cache.lease("c1")).credentials());
        assertEquals(2, authority.calls(Endpoint.TOKEN, "c1"));
    }

    @Test
    void leaseExpiredOnArrivalIsNotServed() {
        authority.respond("c1", Reply.apiKey("x", START.minusSeconds(5)));
        cache();
        CredentialException e = failure(cache.lease("c1"));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("already expired"), e.getMessage());
    }

    @Test
    void hitsShareOneCompletedFuture() throws Exception {
        authority.respond("c1", Reply.apiKey("x", in(Duration.ofMinutes(10))));
        cache();
        await(cache.lease("c1"));
        assertSame(cache.lease("c1"), cache.lease("c1"), "a hit allocates no new future");
    }
}
