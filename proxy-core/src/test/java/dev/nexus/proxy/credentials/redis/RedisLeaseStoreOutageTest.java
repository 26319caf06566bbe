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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis crashing, hanging, coming back, refusing our password or forgetting its scripts, with Redis
 * processes owned by each test (never the machine's shared Redis). Whatever Redis does, every store call completes
 * within the command timeout with the documented fallback, and the store recovers on its own.
 */
class RedisLeaseStoreOutageTest {

    /** Long enough that a busy 2-core CI machine does not turn healthy calls into timeouts. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** Command timeout plus scheduling slack. */
    private static final long BOUND_MILLIS = COMMAND_TIMEOUT.toMillis() + 1_500;
    private static final Duration RECOVERY = Duration.ofSeconds(15);

    private final String key = TestLeases.base64Key();
    private final String secret = TestLeases.secret();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String namespace = TestLeases.namespace();
    private CapturedLogs logs;

    @BeforeEach
    void captureLogs() {
        logs = new CapturedLogs();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        logs.close();
        logs.assertContainsNone("a credential value", secret);
        logs.assertContainsNone("the encryption key", key);
    }

    @Test
    void killedRedisDegradesEveryCallAndRestartedRedisIsUsedAgain() throws Exception {
        OwnedRedis redis = owned();
        RedisLeaseStore a = store(redis.url(), registry);
        PrometheusRegistry readersRegistry = new PrometheusRegistry();
        RedisLeaseStore b = store(redis.url(), readersRegistry);
        await().atMost(RECOVERY).until(() -> a.available() && b.available());
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();
        assertEquals(Optional.of(lease), b.read(lease.connectionId()).join());

        // Readers keep going while Redis dies under them: each read answers, hit or miss, in bounded time.
        CompletableFuture<Integer> readers = CompletableFuture.supplyAsync(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            int reads = 0;
            while (reads < 5_000 && System.nanoTime() < end) {
                b.read(lease.connectionId()).orTimeout(BOUND_MILLIS, TimeUnit.MILLISECONDS).join();
                reads++;
            }
            return reads;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> TestLeases.counter(
                readersRegistry, "nexus_redis_operations_total", "op", "read", "outcome", "ok") >= 10);
        redis.stop();
        assertTrue(readers.get(10, TimeUnit.SECONDS) > 10);

        assertWithinBound(b.read(lease.connectionId()), Optional.empty());
        assertWithinBound(b.tryAcquireFetchLock(lease.connectionId(), Duration.ofSeconds(5)), true);
        assertWithinBound(a.publish(lease), null);
        assertWithinBound(a.invalidate(lease.connectionId()), null);
        assertWithinBound(b.releaseFetchLock(lease.connectionId()), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.available() && !b.available());
        assertWithinBound(b.awaitPublication(lease.connectionId(), Duration.ofSeconds(30)), Optional.empty());
        assertEquals(0.0, TestLeases.gauge(registry, "nexus_redis_available"));
        assertTrue(TestLeases.counter(registry, "nexus_redis_operations_total", "op", "publish", "outcome", "unavailable")
                + TestLeases.counter(registry, "nexus_redis_operations_total", "op", "publish", "outcome", "error")
                + TestLeases.counter(registry, "nexus_redis_operations_total", "op", "publish", "outcome", "timeout") >= 1);
        assertTrue(logs.all().contains("is unavailable; serving from the local cache"), logs.all());

        redis.start();

        await().atMost(RECOVERY).until(() -> a.available() && b.available());
        assertEquals(1.0, TestLeases.gauge(registry, "nexus_redis_available"));
        List<String> seenByB = new CopyOnWriteArrayList<>();
        b.onRemoteChange(seenByB::add);
        Lease renewed = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        // Re-subscription follows the reconnect closely; publish until B hears it.
        await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200)).until(() -> {
            a.publish(renewed).join();
            return seenByB.contains(renewed.connectionId());
        });
        assertEquals(Optional.of(renewed), b.read(renewed.connectionId()).join());
        CompletableFuture<Optional<Lease>> waiting = b.awaitPublication("after-restart", Duration.ofSeconds(10));
        a.invalidate("after-restart").join();
        assertEquals(Optional.empty(), waiting.get(1, TimeUnit.SECONDS));
        assertFalse(waiting.isCompletedExceptionally());
    }

    @Test
    void hangingRedisTimesOutWithinTheCommandTimeoutAndRecovers() {
        OwnedRedis redis = owned();
        RedisLeaseStore a = store(redis.url(), registry);
        await().atMost(RECOVERY).until(a::available);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();

        redis.pause();
        try {
            assertWithinBound(a.read(lease.connectionId()), Optional.empty());
            assertWithinBound(a.tryAcquireFetchLock(lease.connectionId(), Duration.ofSeconds(5)), true);
            assertWithinBound(a.publish(lease), null);
            assertTrue(TestLeases.counter(registry, "nexus_redis_operations_total", "outcome", "timeout") >= 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.available());
        } finally {
            redis.resume();
        }

        await().atMost(RECOVERY).until(a::available);
        assertEquals(Optional.of(lease), a.read(lease.connectionId()).join());
    }

    @Test
    void storeStartedWhileRedisIsDownConnectsOnceItComesUp() {
        OwnedRedis redis = owned();
        redis.stop();
        RedisLeaseStore a = store(redis.url(), registry);

        assertFalse(a.available());
        assertWithinBound(a.read("any"), Optional.empty());
        assertWithinBound(a.tryAcquireFetchLock("any", Duration.ofSeconds(1)), true);
        await().atMost(RECOVERY).until(() -> logs.all().contains("Cannot connect to Redis at " + redis.url()));

        redis.start();

        await().atMost(RECOVERY).until(a::available);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();
        assertEquals(Optional.of(lease), a.read(lease.connectionId()).join());
    }

    @Test
    void aclUserAndPasswordFromTheUrlAreUsedAndNeverLogged() {
        String password = "pw-" + TestLeases.secret();
        OwnedRedis redis = owned("--user", "proxy", "on", ">" + password, "~*", "&*", "+@all", "--user", "default", "off");
        String base = "redis://proxy:%s@127.0.0.1:" + redis.port();

        RedisLeaseStore good = store(base.formatted(password), registry);
        RedisLeaseStore wrong = store(base.formatted(password + "-wrong"), new PrometheusRegistry());

        await().atMost(RECOVERY).until(good::available);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        good.publish(lease).join();
        assertEquals(Optional.of(lease), good.read(lease.connectionId()).join());
        await().atMost(RECOVERY).until(() -> logs.all().contains("Cannot connect to Redis at redis://***@127.0.0.1:" + redis.port()));
        assertFalse(wrong.available());
        assertWithinBound(wrong.read(lease.connectionId()), Optional.empty());
        logs.assertContainsNone("the Redis password", password);
        assertFalse((good + " " + wrong).contains(password));
    }

    @Test
    void lockReleaseWorksAfterRedisLostItsScriptCache() {
        OwnedRedis redis = owned(); // SCRIPT FLUSH would disturb other users of a shared Redis
        RedisLeaseStore a = store(redis.url(), registry);
        await().atMost(RECOVERY).until(a::available);
        String connectionId = TestLeases.connectionId();
        String lockKey = namespace + "lock:" + connectionId;
        assertTrue(a.tryAcquireFetchLock(connectionId, Duration.ofSeconds(10)).join());
        a.releaseFetchLock(connectionId).join(); // loads the script
        assertTrue(a.tryAcquireFetchLock(connectionId, Duration.ofSeconds(10)).join());
        assertEquals("+OK", redis.command("SCRIPT FLUSH"));

        a.releaseFetchLock(connectionId).join();

        assertEquals(":0", redis.command("EXISTS " + lockKey));
        assertEquals(0.0, TestLeases.counter(registry, "nexus_redis_operations_total", "op", "lock_release", "outcome", "error"));
    }

    private OwnedRedis owned(String... args) {
        OwnedRedis redis = RedisServers.spawnOwned(args);
        resources.add(redis);
        return redis;
    }

    private RedisLeaseStore store(String url, PrometheusRegistry metrics) {
        RedisStoreSettings settings = RedisStoreSettings.of(url, TestLeases.cipher("k1", key))
                .withNamespace(namespace)
                .withCommandTimeout(COMMAND_TIMEOUT)
                .withHealthCheckInterval(Duration.ofMillis(200));
        RedisLeaseStore store = new RedisLeaseStore(settings, metrics);
        resources.add(0, store); // closed before the Redis it uses
        return store;
    }

    private static <T> void assertWithinBound(CompletableFuture<T> call, T expected) {
        long start = System.nanoTime();
        T result = call.orTimeout(BOUND_MILLIS, TimeUnit.MILLISECONDS).join();
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        assertEquals(expected, result);
        assertTrue(elapsed <= BOUND_MILLIS, "took " + elapsed + " ms");
    }
}
