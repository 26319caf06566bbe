package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.credentials.redis.RedisLeaseStore;
import dev.nexus.proxy.credentials.redis.RedisStoreSettings;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import dev.nexus.proxy.testing.TestOrigin;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two proxy replicas, each with its own lease cache and its own Redis store on the same real Redis and
 * namespace, in front of one test Authority: they fetch a connection's credentials once between them,
 * a revocation one of them learns is seen by the other within a second, and what they keep in Redis
 * cannot be read without the encryption key. No secret in logs or agent-visible responses.
 */
class SharedLeasesAcrossReplicasTest {

    private static final Duration STORE_READY = Duration.ofSeconds(15);

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final String namespace = "itest:" + UUID.randomUUID() + ":";
    private final LeaseCipher cipher = Secrets.leaseCipher();
    private TestAuthority authority;
    private TestOrigin origin;
    private ProxyReplica a;
    private ProxyReplica b;

    @BeforeEach
    void start() throws Exception {
        authority = scene.authority();
        origin = scene.add(TestOrigin.start(TestOrigin.Responder.of(SharedLeasesAcrossReplicasTest::originAnswer)));
        a = replica();
        b = replica();
        await().atMost(STORE_READY).until(() -> a.store().available() && b.store().available());
    }

    private ProxyReplica replica() throws InterruptedException {
        return replica(UnaryOperator.identity());
    }

    private ProxyReplica replica(UnaryOperator<SharedLeaseStore> storeView) throws InterruptedException {
        return scene.replica(replica -> replica.redis(RedisServers.shared(), namespace, cipher).storeView(storeView));
    }

    /** The provider refuses every credential on {@code /revoked-at-origin}, as after the user withdrew the grant. */
    private static FullHttpResponse originAnswer(RecordedRequest request) {
        return request.uri().contains("/revoked-at-origin")
                ? TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "credential refused")
                : TestOrigin.text(HttpResponseStatus.OK, "ok");
    }

    private String url(String connection, String path) {
        return origin.url("/" + connection + path);
    }

    @Test
    void concurrentColdRequestsOnBothReplicasMakeOneAuthorityCallBetweenThem() throws Exception {
        Secrets.grantTokens(authority, "fleet");
        authority.latency(Duration.ofMillis(300)); // all requests arrive while the one fetch is running

        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            inFlight.add(a.getAsync(url("fleet", "/a/" + i)));
            inFlight.add(b.getAsync(url("fleet", "/b/" + i)));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(inFlight).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(200));
        assertThat(authority.calls(Endpoint.TOKEN, "fleet")).isEqualTo(1);
        assertThat(origin.requests()).hasSize(50)
                .allSatisfy(seen -> assertThat(seen.header("authorization")).isEqualTo(Secrets.authorization("fleet", 0)));
        assertThat(a.holdsLease("fleet")).isTrue();
        assertThat(b.holdsLease("fleet")).isTrue();
    }

    /**
     * The narrow race of the fetch lock: the late replica reads Redis (miss) just before the winner publishes,
     * and asks for the lock just after the winner released it. It gets the lock, but the lease is there now.
     */
    @Test
    void aReplicaThatGetsTheLockRightAfterTheWinnerReleasedItTakesThePublishedLease() throws Exception {
        Secrets.grantTokens(authority, "late");
        CompletableFuture<Void> lateReplicaMissed = new CompletableFuture<>();
        CompletableFuture<Void> winnerReleased = new CompletableFuture<>();
        ProxyReplica winner = replica(store -> new ForwardingLeaseStore(store) {
            @Override
            public CompletableFuture<Void> publish(Lease lease) {
                return lateReplicaMissed.thenCompose(ignored -> super.publish(lease));
            }

            @Override
            public CompletableFuture<Void> releaseFetchLock(String connectionId) {
                return super.releaseFetchLock(connectionId).whenComplete((done, error) -> winnerReleased.complete(null));
            }
        });
        ProxyReplica late = replica(store -> new ForwardingLeaseStore(store) {
            @Override
            public CompletableFuture<Optional<Lease>> read(String connectionId) {
                return super.read(connectionId).whenComplete((found, error) -> lateReplicaMissed.complete(null));
            }

            @Override
            public CompletableFuture<Boolean> tryAcquireFetchLock(String connectionId, Duration hold) {
                return winnerReleased.thenCompose(ignored -> super.tryAcquireFetchLock(connectionId, hold));
            }
        });
        await().atMost(STORE_READY).until(() -> winner.store().available() && late.store().available());

        assertThat(winner.get(url("late", "/first")).statusCode()).isEqualTo(200);
        assertThat(late.get(url("late", "/second")).statusCode()).isEqualTo(200);

        assertThat(winnerReleased).as("the interleaving happened").isDone();
        assertThat(authority.calls(Endpoint.TOKEN, "late")).isEqualTo(1);
        assertThat(origin.requests()).extracting(seen -> seen.header("authorization"))
                .containsExactly(Secrets.authorization("late", 0), Secrets.authorization("late", 0));
    }

    @Test
    void aRevocationOneReplicaLearnsIsSeenByTheOtherWithinASecond() throws Exception {
        Secrets.grantTokens(authority, "shared");
        assertThat(a.get(url("shared", "/warm")).statusCode()).isEqualTo(200);
        assertThat(b.get(url("shared", "/warm")).statusCode()).isEqualTo(200);
        assertThat(authority.calls(Endpoint.TOKEN, "shared")).as("B took A's lease from Redis").isEqualTo(1);
        assertThat(b.holdsLease("shared")).isTrue();
        authority.respond("shared", Reply.revoked());

        // A's credential is refused upstream; its forced refresh learns the connection is revoked.
        HttpResponse<String> onA = a.get(url("shared", "/revoked-at-origin"));
        assertThat(onA.statusCode()).isEqualTo(403);
        assertThat(onA.body()).contains("\"error\":\"connection_revoked\"");

        // B's lease is dropped through Redis, without B sending anything...
        await().atMost(Duration.ofSeconds(1)).until(() -> !b.holdsLease("shared"));
        // ...so B's next request, which the origin would have accepted with the old credential, is refused too.
        HttpResponse<String> onB = b.get(url("shared", "/still-fine-at-origin"));
        assertThat(onB.statusCode()).isEqualTo(403);
        assertThat(onB.body()).contains("\"error\":\"connection_revoked\"").contains("\"connection\":\"shared\"");
        assertThat(origin.requests().stream().filter(r -> r.uri().contains("/still-fine-at-origin"))).isEmpty();
    }

    @Test
    void leaseRecordsInRedisHoldNoCredentialAndNeedTheKey() throws Exception {
        Secrets.grantTokens(authority, "sealed");
        assertThat(a.get(url("sealed", "/x")).statusCode()).isEqualTo(200);
        String credential = Secrets.credential("sealed", 0);

        RedisClient client = RedisClient.create(RedisServers.shared());
        try (StatefulRedisConnection<byte[], byte[]> raw = client.connect(ByteArrayCodec.INSTANCE)) {
            byte[] record = raw.sync().get((namespace + "sealed").getBytes(StandardCharsets.UTF_8));
            assertThat(record).as("the replica published the lease").isNotNull();
            String asText = new String(record, StandardCharsets.ISO_8859_1);
            assertThat(asText).doesNotContain(credential).doesNotContain(Secrets.MARKER)
                    .doesNotContain(Base64.getEncoder().encodeToString(credential.getBytes(StandardCharsets.UTF_8)));
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }

        // A store with another key treats the record as a miss: the lease cannot be recovered without the key.
        PrometheusRegistry registry = new PrometheusRegistry();
        try (RedisLeaseStore otherKey = new RedisLeaseStore(RedisStoreSettings.of(RedisServers.shared(),
                Secrets.leaseCipher()).withNamespace(namespace), registry)) {
            await().atMost(STORE_READY).until(otherKey::available);
            assertThat(otherKey.read("sealed").get(5, TimeUnit.SECONDS)).isEqualTo(Optional.empty());
        }
        assertThat(b.store().read("sealed").get(5, TimeUnit.SECONDS)).hasValueSatisfying(
                lease -> assertThat(lease.credentials()).containsEntry("api_key", credential));
    }
}
