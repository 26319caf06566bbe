package dev.nexus.proxy.credentials.redis;

import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.testing.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two stores sharing one real Redis play two proxy replicas. Each test has its own key namespace,
 * and every test checks that neither the credential values nor the encryption key were logged.
 */
class RedisLeaseStoreTest {

    private static final Duration QUICK = Duration.ofSeconds(1);

    private static RedisClient rawClient;
    private static StatefulRedisConnection<String, byte[]> rawConnection;

    private final String key = TestLeases.base64Key();
    private final String secret = TestLeases.secret();
    private final List<RedisLeaseStore> stores = new ArrayList<>();
    private final Map<RedisLeaseStore, PrometheusRegistry> registries = new HashMap<>();
    private CapturedLogs logs;
    private String namespace;
    private RedisCommands<String, byte[]> redis;

    @BeforeAll
    static void connectRawClient() {
        rawClient = RedisClient.create(RedisServers.shared());
        rawConnection = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    }

    @AfterAll
    static void closeRawClient() {
        rawConnection.close();
        rawClient.shutdown();
    }

    @BeforeEach
    void setUp() {
        logs = new CapturedLogs();
        namespace = TestLeases.namespace();
        redis = rawConnection.sync();
    }

    @AfterEach
    void tearDown() {
        stores.forEach(RedisLeaseStore::close);
        List<String> leftovers = redis.keys(namespace + "*"); // the shared Redis may be someone else's too
        if (!leftovers.isEmpty()) {
            redis.del(leftovers.toArray(String[]::new));
        }
        logs.close();
        logs.assertContainsNone("a credential value", secret);
        logs.assertContainsNone("the encryption key", key);
    }

    @Test
    void leasePublishedByOneReplicaIsReadByTheOther() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));

        a.publish(lease).join();
        Optional<Lease> read = b.read(lease.connectionId()).join();

        assertEquals(Optional.of(lease), read);
        assertEquals(secret, read.orElseThrow().credential("api_key"));
        assertEquals(Optional.empty(), b.read(TestLeases.connectionId()).join(), "unknown connection is a miss");
    }

    @Test
    void recordLivesExactlyAsLongAsTheLease() {
        RedisLeaseStore a = store(key);
        Lease expiring = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofSeconds(90));
        Lease unbounded = TestLeases.lease(TestLeases.connectionId(), secret, null);

        a.publish(expiring).join();
        a.publish(unbounded).join();

        long expiringTtl = redis.pttl(namespace + expiring.connectionId());
        assertTrue(expiringTtl > 88_000 && expiringTtl <= 90_000, "PTTL " + expiringTtl);
        long unboundedTtl = redis.pttl(namespace + unbounded.connectionId());
        long maxAge = RedisStoreSettings.DEFAULT_MAX_LEASE_AGE.toMillis();
        assertTrue(unboundedTtl > maxAge - 2_000 && unboundedTtl <= maxAge, "PTTL " + unboundedTtl);
    }

    @Test
    void expiredLeaseIsNotStored() {
        RedisLeaseStore a = store(key);
        Lease expired = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofSeconds(-1));

        a.publish(expired).join();

        assertEquals(0L, redis.exists(namespace + expired.connectionId()));
    }

    @Test
    void rawRecordHidesTheCredentialsAndOpensWithNoOtherKey() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore otherKey = store(TestLeases.base64Key());
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));

        a.publish(lease).join();

        byte[] raw = redis.get(namespace + lease.connectionId());
        assertNotNull(raw);
        String rawText = new String(raw, StandardCharsets.ISO_8859_1);
        assertFalse(rawText.contains(secret), "the record holds the credential in clear");
        assertFalse(rawText.contains("api_key"), "the record shows credential field names");
        assertEquals(Optional.empty(), otherKey.read(lease.connectionId()).join());
        assertEquals(1.0, TestLeases.counter(registries.get(otherKey), "nexus_redis_decrypt_failures_total"));
        assertTrue(logs.all().contains("Ignoring the Redis lease record of connection " + lease.connectionId()
                + ": authentication failed"), logs.all());
    }

    @Test
    void tamperedOrMovedRecordIsAMiss() {
        RedisLeaseStore a = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();
        byte[] raw = redis.get(namespace + lease.connectionId());

        byte[] tampered = raw.clone();
        tampered[tampered.length - 20] ^= 0x40;
        redis.set(namespace + lease.connectionId(), tampered);
        String otherConnection = TestLeases.connectionId();
        redis.set(namespace + otherConnection, raw);

        assertEquals(Optional.empty(), a.read(lease.connectionId()).join());
        assertEquals(Optional.empty(), a.read(otherConnection).join(), "a record copied to another connection");
        assertEquals(2.0, TestLeases.counter(registries.get(a), "nexus_redis_decrypt_failures_total"));
    }

    @Test
    void wellEncryptedRecordThatIsNotALeaseIsAMissAndItsContentIsNotLogged() {
        RedisLeaseStore a = store(key);
        String connectionId = TestLeases.connectionId();
        String redisKey = namespace + connectionId;
        byte[] notALease = ("{\"api_key\": \"" + secret + "\", broken").getBytes(StandardCharsets.UTF_8);
        redis.set(redisKey, TestLeases.cipher("k1", key).seal(notALease, redisKey.getBytes(StandardCharsets.UTF_8)));

        assertEquals(Optional.empty(), a.read(connectionId).join());

        assertTrue(logs.all().contains("Ignoring the Redis lease record of connection " + connectionId
                + ": payload is not a lease document"), logs.all());
    }

    @Test
    void rotatedKeysReadOldRecordsAndWriteWithTheActiveId() {
        String newKey = TestLeases.base64Key();
        RedisLeaseStore old = store(key);
        RedisLeaseStore rotated = store(LeaseCipher.fromBase64("k2", Map.of("k1", key, "k2", newKey)));
        Lease before = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        Lease after = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));

        old.publish(before).join();
        rotated.publish(after).join();

        assertEquals(Optional.of(before), rotated.read(before.connectionId()).join());
        assertEquals("k2", keyIdOf(redis.get(namespace + after.connectionId())));
        assertEquals(Optional.empty(), old.read(after.connectionId()).join(), "k2 is unknown to the old replica");
        assertTrue(logs.all().contains("unknown encryption key id 'k2'"), logs.all());
        logs.assertContainsNone("the new encryption key", newKey);
    }

    @Test
    void exactlyOneOfManyConcurrentLockAttemptsAcrossReplicasWins() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        String connectionId = TestLeases.connectionId();

        List<CompletableFuture<Boolean>> attempts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            attempts.add((i % 2 == 0 ? a : b).tryAcquireFetchLock(connectionId, Duration.ofSeconds(10)));
        }

        long winners = attempts.stream().map(CompletableFuture::join).filter(Boolean::booleanValue).count();
        assertEquals(1, winners);
    }

    @Test
    void onlyTheOwnerReleasesTheLock() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        String connectionId = TestLeases.connectionId();
        assertTrue(a.tryAcquireFetchLock(connectionId, Duration.ofSeconds(10)).join());

        b.releaseFetchLock(connectionId).join();

        assertEquals(1L, redis.exists(namespace + "lock:" + connectionId), "a non-owner released the lock");
        assertFalse(b.tryAcquireFetchLock(connectionId, Duration.ofSeconds(10)).join());

        a.releaseFetchLock(connectionId).join();

        assertEquals(0L, redis.exists(namespace + "lock:" + connectionId));
        assertTrue(b.tryAcquireFetchLock(connectionId, Duration.ofSeconds(10)).join());
        long ttl = redis.pttl(namespace + "lock:" + connectionId);
        assertTrue(ttl > 9_000 && ttl <= 10_000, "lock PTTL " + ttl);
    }

    @Test
    void waitingReplicaIsWokenByThePublicationWithinASecond() throws Exception {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));

        CompletableFuture<Optional<Lease>> waiting = b.awaitPublication(lease.connectionId(), Duration.ofSeconds(10));
        assertFalse(waiting.isDone());
        a.publish(lease).join();

        assertEquals(Optional.of(lease), waiting.get(QUICK.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void publicationBeforeTheWaitBeganIsFound() throws Exception {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();

        CompletableFuture<Optional<Lease>> waiting = b.awaitPublication(lease.connectionId(), Duration.ofSeconds(10));

        assertEquals(Optional.of(lease), waiting.get(QUICK.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void waitingReplicaGetsNothingWhenTheConnectionIsInvalidated() throws Exception {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        String connectionId = TestLeases.connectionId();

        CompletableFuture<Optional<Lease>> waiting = b.awaitPublication(connectionId, Duration.ofSeconds(10));
        a.invalidate(connectionId).join();

        assertEquals(Optional.empty(), waiting.get(QUICK.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void waitEndsEmptyAtTheTimeout() throws Exception {
        RedisLeaseStore b = store(key);
        long start = System.nanoTime();

        Optional<Lease> result = b.awaitPublication(TestLeases.connectionId(), Duration.ofMillis(300)).get(5, TimeUnit.SECONDS);

        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Optional.empty(), result);
        assertTrue(elapsedMillis >= 300 && elapsedMillis < 2_000, "waited " + elapsedMillis + " ms");
    }

    @Test
    void invalidationDropsTheRecordForEveryReplica() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();

        b.invalidate(lease.connectionId()).join();

        assertEquals(Optional.empty(), a.read(lease.connectionId()).join());
    }

    @Test
    void remoteChangesReachTheOtherReplicaButNotTheSender() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        List<String> seenByA = new CopyOnWriteArrayList<>();
        List<String> seenByB = new CopyOnWriteArrayList<>();
        a.onRemoteChange(seenByA::add);
        b.onRemoteChange(seenByB::add);
        Lease published = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        String invalidated = TestLeases.connectionId();
        String fromB = TestLeases.connectionId();

        a.publish(published).join();
        a.invalidate(invalidated).join();
        b.invalidate(fromB).join();

        await().atMost(QUICK).until(() -> seenByB.equals(List.of(published.connectionId(), invalidated)));
        // Redis delivers a channel's messages in order: once A saw B's event, it has seen (and skipped) its own.
        await().atMost(QUICK).until(() -> seenByA.contains(fromB));
        assertEquals(List.of(fromB), seenByA);
    }

    @Test
    void foreignOrMalformedMessagesOnTheEventsChannelAreIgnored() {
        RedisLeaseStore a = store(key);
        RedisLeaseStore b = store(key);
        List<String> seenByB = new CopyOnWriteArrayList<>();
        b.onRemoteChange(seenByB::add);
        String channel = namespace + "events";
        String valid = TestLeases.connectionId();

        redis.publish(channel, "not json".getBytes(StandardCharsets.UTF_8));
        redis.publish(channel, "{\"op\":\"renamed\",\"connection\":\"x\",\"origin\":\"y\"}".getBytes(StandardCharsets.UTF_8));
        redis.publish(channel, "{\"op\":\"invalidated\",\"origin\":\"y\"}".getBytes(StandardCharsets.UTF_8));
        a.invalidate(valid).join();

        await().atMost(QUICK).until(() -> seenByB.contains(valid));
        assertEquals(List.of(valid), seenByB);
    }

    @Test
    void operationsAndAvailabilityAreCounted() {
        RedisLeaseStore a = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));

        a.publish(lease).join();
        a.read(lease.connectionId()).join();
        a.read(lease.connectionId()).join();

        PrometheusRegistry registry = registries.get(a);
        assertEquals(1.0, TestLeases.gauge(registry, "nexus_redis_available"));
        assertEquals(2.0, TestLeases.counter(registry, "nexus_redis_operations_total", "op", "read", "outcome", "ok"));
        assertEquals(1.0, TestLeases.counter(registry, "nexus_redis_operations_total", "op", "publish", "outcome", "ok"));
        assertEquals(0.0, TestLeases.counter(registry, "nexus_redis_operations_total", "outcome", "error"));
    }

    @Test
    void closedStoreAnswersWithFallbacksAndEndsPendingWaits() throws Exception {
        RedisLeaseStore a = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));
        a.publish(lease).join();
        CompletableFuture<Optional<Lease>> waiting = a.awaitPublication(TestLeases.connectionId(), Duration.ofSeconds(30));

        a.close();

        assertEquals(Optional.empty(), waiting.get(QUICK.toMillis(), TimeUnit.MILLISECONDS));
        assertFalse(a.available());
        assertEquals(Optional.empty(), a.read(lease.connectionId()).get(QUICK.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(a.tryAcquireFetchLock(lease.connectionId(), Duration.ofSeconds(1)).get(QUICK.toMillis(), TimeUnit.MILLISECONDS));
        a.publish(lease).get(QUICK.toMillis(), TimeUnit.MILLISECONDS);
        a.close(); // again: nothing happens
    }

    @Test
    void storeTextNeverShowsSecrets() {
        RedisLeaseStore a = store(key);
        Lease lease = TestLeases.lease(TestLeases.connectionId(), secret, Duration.ofMinutes(5));

        String text = a + " " + lease + " " + a.read(lease.connectionId()).join();

        assertFalse(text.contains(secret) || text.contains(key), text);
    }

    private RedisLeaseStore store(String base64Key) {
        return store(TestLeases.cipher("k1", base64Key));
    }

    private RedisLeaseStore store(LeaseCipher cipher) {
        // A generous timeout: these tests are about behaviour, not latency, and CI machines are busy.
        RedisStoreSettings settings = RedisStoreSettings.of(RedisServers.shared(), cipher)
                .withNamespace(namespace)
                .withCommandTimeout(Duration.ofSeconds(2));
        PrometheusRegistry registry = new PrometheusRegistry();
        RedisLeaseStore store = new RedisLeaseStore(settings, registry);
        stores.add(store);
        registries.put(store, registry);
        await().atMost(Duration.ofSeconds(10)).until(store::available);
        return store;
    }

    private static String keyIdOf(byte[] record) {
        return new String(record, 2, record[1], StandardCharsets.UTF_8);
    }
}
