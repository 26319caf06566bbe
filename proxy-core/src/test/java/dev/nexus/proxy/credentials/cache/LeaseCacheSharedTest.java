package dev.nexus.proxy.credentials.cache;

import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySource;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static dev.nexus.proxy.credentials.CredentialTestSupport.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two "replicas" (two caches, each with its own Nexus source) sharing one L2 store, against one TestAuthority.
 * The store is an in-process stand-in honouring the {@link dev.nexus.proxy.credentials.SharedLeaseStore} contract.
 */
class LeaseCacheSharedTest {

    private static final Instant START = Instant.parse("2026-11-29T10:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final TestAuthority authority = TestAuthority.start();
    private final InMemorySharedStore store = new InMemorySharedStore();
    private final ExecutorService background = Executors.newFixedThreadPool(2);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final PrometheusRegistry registryA = new PrometheusRegistry();
    private final LeaseCache replicaA = replica(registryA);
    private final LeaseCache replicaB = replica(new PrometheusRegistry());

    private LeaseCache replica(PrometheusRegistry registry) {
        NexusAuthoritySource source = new NexusAuthoritySource(NexusAuthoritySettings.of(authority.baseUri(), null),
                new PrometheusRegistry(), clock);
        LeaseCache cache = LeaseCache.builder(source, registry).clock(clock).executor(background)
                .sharedStore(store.replica())
                .settings(LeaseCacheSettings.defaults().toBuilder().shared(Duration.ofSeconds(10), Duration.ofSeconds(2)).build())
                .build();
        closing.add(cache);
        closing.add(source);
        return cache;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : closing) {
            resource.close();
        }
        background.shutdownNow();
        authority.close();
    }

    @Test
    void concurrentMissesOnBothReplicasMakeOneAuthorityCall() throws Exception {
        authority.respond("c1", Reply.apiKey("shared", START.plus(Duration.ofHours(1)))).latency(Duration.ofMillis(300));
        List<CompletableFuture<Lease>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(replicaA.lease("c1"));
            calls.add(replicaB.lease("c1"));
        }
        for (CompletableFuture<Lease> call : calls) {
            assertEquals("shared", await(call).credential("api_key"));
        }
        assertEquals(1, authority.calls(Endpoint.TOKEN, "c1"));
    }

    @Test
    void aLeaseFetchedByOneReplicaIsReadFromL2ByTheOther() throws Exception {
        authority.respond("c1", Reply.apiKey("from-a", START.plus(Duration.ofHours(1))));
        await(replicaA.lease("c1"));
        assertEquals("from-a", await(replicaB.lease("c1")).credential("api_key"));
        assertEquals(1, authority.calls(Endpoint.TOKEN, "c1"));
        assertEquals(1, metric(registryA, "nexus_credential_cache_requests", "level", "l2", "result", "miss"));
    }

    @Test
    void aPublicationHeardAfterTheReplicaReadTheLeaseLeavesItCached() throws Exception {
        authority.respond("c1", Reply.apiKey("shared", START.plus(Duration.ofHours(1))));
        await(replicaA.lease("c1"));
        assertEquals("shared", await(replicaB.lease("c1")).credential("api_key"));
        store.announceAgain("c1"); // B hears of A's publication only now

        assertEquals(List.of("c1"), replicaB.view().stream().map(LeaseView::connectionId).toList(),
                "B keeps the lease it took from L2: it is the one published");
        assertEquals(List.of("c1"), replicaA.view().stream().map(LeaseView::connectionId).toList());
    }

    @Test
    void revocationSeenByOneReplicaDropsTheLeaseOnBoth() throws Exception {
        authority.respond("c1", Reply.apiKey("v", START.plus(Duration.ofHours(1))));
        await(replicaA.lease("c1"));
        await(replicaB.lease("c1"));
        authority.respond("c1", Reply.revoked());
        Lease held = replicaA.lease("c1").join();
        assertEquals(Kind.REVOKED, failure(replicaA.refreshAfterRejection("c1", held)).kind());
        assertTrue(replicaB.view().isEmpty(), "replica B dropped its copy on the remote change");
        assertEquals(Kind.REVOKED, failure(replicaB.lease("c1")).kind());
    }

    @Test
    void forcedRefreshOnOneReplicaReachesTheOther() throws Exception {
        authority.respond("rot", generation -> Reply.apiKey("v" + generation, START.plus(Duration.ofHours(1))));
        Lease v0 = await(replicaA.lease("rot"));
        await(replicaB.lease("rot"));
        assertEquals("v1", await(replicaA.refreshAfterRejection("rot", v0)).credential("api_key"));
        assertEquals("v1", await(replicaB.lease("rot")).credential("api_key"));
        assertEquals(1, authority.calls(Endpoint.TOKEN, "rot"));
        assertEquals(1, authority.calls(Endpoint.REFRESH, "rot"));
    }

    @Test
    void theSame401OnBothReplicasCausesOneRefresh() throws Exception {
        authority.respond("rot", generation -> Reply.apiKey("v" + generation, START.plus(Duration.ofHours(1))));
        Lease v0 = await(replicaA.lease("rot"));
        await(replicaB.lease("rot"));
        authority.latency(Duration.ofMillis(300));
        CompletableFuture<Lease> onA = replicaA.refreshAfterRejection("rot", v0);
        CompletableFuture<Lease> onB = replicaB.refreshAfterRejection("rot", v0);
        assertEquals("v1", await(onA).credential("api_key"));
        assertEquals("v1", await(onB).credential("api_key"));
        assertEquals(1, authority.calls(Endpoint.REFRESH, "rot"));
    }

    @Test
    void storeDownFallsBackToDirectAuthorityCalls() throws Exception {
        store.down(true);
        authority.respond("c1", Reply.apiKey("direct", START.plus(Duration.ofHours(1))));
        assertEquals("direct", await(replicaA.lease("c1")).credential("api_key"));
        assertEquals("direct", await(replicaB.lease("c1")).credential("api_key"));
        assertEquals(2, authority.calls(Endpoint.TOKEN, "c1"), "each replica asks for itself while the store is down");
        assertTrue(replicaA.lease("c1").isDone(), "and caches it locally");
    }
}
