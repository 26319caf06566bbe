package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.RedisServers.OwnedRedis;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis dies under load and comes back: two replicas share leases through a Redis process this test owns
 * and kills (SIGKILL) while agents keep sending requests. No agent request fails, connections first used
 * during the outage still get credentials (straight from the Authority), and once Redis is back the
 * replicas share leases and invalidations again without restarting anything.
 */
class RedisOutageUnderLoadTest {

    private static final Duration RECOVERY = Duration.ofSeconds(15);
    /** Bound of the load loop; each of its requests is bounded by {@link ProxyReplica#REQUEST_DEADLINE}. */
    private static final int MAX_REQUESTS = 1_000;
    /** How long the load may go without completing a request: one request's deadline, plus slack. */
    private static final Duration STALL = ProxyReplica.REQUEST_DEADLINE.plusSeconds(5);

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final AtomicBoolean enough = new AtomicBoolean();
    private TestAuthority authority;
    private TestOrigin origin;
    private OwnedRedis redis;
    private ProxyReplica a;
    private ProxyReplica b;

    @BeforeEach
    void start() throws Exception {
        authority = scene.authority();
        origin = scene.add(TestOrigin.start());
        redis = scene.add(RedisServers.spawnOwned());
        LeaseCipher cipher = Secrets.leaseCipher();
        a = scene.replica(replica -> replica.redis(redis.url(), "itest:", cipher));
        b = scene.replica(replica -> replica.redis(redis.url(), "itest:", cipher));
        // Closed first, also when the test failed: the load stops after its current request.
        scene.add(() -> enough.set(true));
        await().atMost(RECOVERY).until(() -> a.store().available() && b.store().available());
    }

    private String url(String connection, String path) {
        return origin.url("/" + connection + path);
    }

    @Test
    void killingRedisMidLoadFailsNoRequestAndSharingResumesAfterItRestarts() throws Exception {
        Secrets.grantTokens(authority, "leased");
        assertThat(a.get(url("leased", "/warm")).statusCode()).isEqualTo(200);
        assertThat(b.get(url("leased", "/warm")).statusCode()).isEqualTo(200);
        assertThat(authority.calls(Endpoint.TOKEN, "leased")).as("shared through Redis").isEqualTo(1);

        AtomicInteger completed = new AtomicInteger();
        CompletableFuture<List<Integer>> load = CompletableFuture.supplyAsync(() -> agentLoad(completed));
        awaitRequests(completed, 100, load);
        redis.stop();
        int atKill = completed.get();

        // Connections first used while Redis is down are served from the Authority directly.
        Secrets.grantTokens(authority, "cold-during-outage");
        HttpResponse<String> coldOnA = a.get(url("cold-during-outage", "/x"));
        HttpResponse<String> coldOnB = b.get(url("cold-during-outage", "/x"));
        awaitRequests(completed, atKill + 200, load);
        enough.set(true);
        List<Integer> statuses = load.get(STALL.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(statuses).hasSizeGreaterThanOrEqualTo(300).containsOnly(200);
        assertThat(coldOnA.statusCode()).isEqualTo(200);
        assertThat(coldOnB.statusCode()).isEqualTo(200);
        await().atMost(RECOVERY).until(() -> !a.store().available() && !b.store().available());

        redis.start();

        await().atMost(RECOVERY).until(() -> a.store().available() && b.store().available());
        Secrets.grantTokens(authority, "after-restart");
        assertThat(a.get(url("after-restart", "/x")).statusCode()).isEqualTo(200);
        assertThat(b.get(url("after-restart", "/x")).statusCode()).isEqualTo(200);
        assertThat(authority.calls(Endpoint.TOKEN, "after-restart")).as("shared through Redis again").isEqualTo(1);
        // Invalidations travel again too (re-sent while the replicas' subscriptions come back).
        await().atMost(RECOVERY).pollInterval(Duration.ofMillis(200)).until(() -> {
            a.cache().invalidate("after-restart");
            return !b.holdsLease("after-restart");
        });
    }

    /**
     * Waits until the load has completed {@code target} requests. How fast it gets there depends on how busy
     * the machine is; what the load guarantees is that each request ends within its deadline, so the wait
     * fails as soon as the load goes {@link #STALL} without completing one, or ends early.
     */
    private static void awaitRequests(AtomicInteger completed, int target, CompletableFuture<?> load) {
        for (int seen = completed.get(); seen < target; seen = completed.get()) { // at most target rounds
            int before = seen;
            await().atMost(STALL).until(() -> completed.get() > before || load.isDone());
            assertThat(completed.get() > before || !load.isDone())
                    .as("the load ended after %d requests, before reaching %d", completed.get(), target).isTrue();
        }
    }

    /**
     * Alternates requests on the leased connection between the replicas until told it has done enough,
     * at most {@link #MAX_REQUESTS} requests; answers every status the agent got.
     */
    private List<Integer> agentLoad(AtomicInteger completed) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < MAX_REQUESTS && !enough.get(); i++) {
            ProxyReplica replica = i % 2 == 0 ? a : b;
            int status;
            try {
                status = replica.get(url("leased", "/load/" + i)).statusCode();
            } catch (Exception e) {
                status = -1; // the agent saw a transport failure
            }
            statuses.add(status);
            completed.incrementAndGet();
        }
        return statuses;
    }
}
