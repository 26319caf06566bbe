package dev.nexus.proxy.credentials.redis;

import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.RedisServers.OwnedRedis;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store with {@code cluster: true}, against a real (single-node) Redis Cluster. */
class RedisLeaseStoreClusterTest {

    private final String key = TestLeases.base64Key();
    private final String namespace = TestLeases.namespace();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private OwnedRedis cluster;

    @BeforeEach
    void startCluster() {
        cluster = RedisServers.spawnOwnedCluster();
        resources.add(cluster);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void replicasShareLeasesLocksAndEventsThroughACluster() throws Exception {
        RedisLeaseStore a = store();
        RedisLeaseStore b = store();
        await().atMost(Duration.ofSeconds(15)).until(() -> a.available() && b.available());
        Lease lease = TestLeases.lease(TestLeases.connectionId(), TestLeases.secret(), Duration.ofMinutes(5));

        assertTrue(a.tryAcquireFetchLock(lease.connectionId(), Duration.ofSeconds(10)).join());
        assertFalse(b.tryAcquireFetchLock(lease.connectionId(), Duration.ofSeconds(10)).join());
        CompletableFuture<Optional<Lease>> waiting = b.awaitPublication(lease.connectionId(), Duration.ofSeconds(10));
        a.publish(lease).join();
        a.releaseFetchLock(lease.connectionId()).join();

        assertEquals(Optional.of(lease), waiting.get(1, TimeUnit.SECONDS));
        assertEquals(Optional.of(lease), b.read(lease.connectionId()).join());
        assertTrue(b.tryAcquireFetchLock(lease.connectionId(), Duration.ofSeconds(10)).join(), "the lock was released");
    }

    private RedisLeaseStore store() {
        RedisStoreSettings settings = RedisStoreSettings.of(cluster.url(), TestLeases.cipher("k1", key))
                .withCluster(true)
                .withNamespace(namespace);
        RedisLeaseStore store = new RedisLeaseStore(settings, new PrometheusRegistry());
        resources.add(0, store);
        return store;
    }
}
