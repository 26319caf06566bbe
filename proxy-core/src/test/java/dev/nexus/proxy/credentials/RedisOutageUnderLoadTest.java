package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.RedisServers.OwnedRedis;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
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
    /** Bounds of the load loop. */
    private static final int MAX_REQUESTS = 1_000;
    private static final Duration MAX_LOAD_TIME = Duration.ofSeconds(30);

    private final List<String> agentSaw = ProxyReplica.transcript();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private LogCapture logs;
    private TestAuthority authority;
    private TestOrigin origin;
    private OwnedRedis redis;
    private ProxyReplica a;
    private ProxyReplica b;

    @BeforeEach
    void start() throws Exception {
        logs = new LogCapture();
        authority = TestAuthority.builder().apiKey(Secrets.API_KEY_HEADER, Secrets.API_KEY).start();
        origin = TestOrigin.start();
        redis = RedisServers.spawnOwned();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        LeaseCipher cipher = LeaseCipher.fromBase64("k1", Map.of("k1", Base64.getEncoder().encodeToString(key)));
        a = replica(cipher);
        b = replica(cipher);
        await().atMost(RECOVERY).until(() -> a.store().available() && b.store().available());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        redis.close();
        origin.close();
        authority.close();
        logs.close();
        Secrets.assertNoneIn(logs.text(), agentSaw);
    }

    private ProxyReplica replica(LeaseCipher cipher) throws InterruptedException {
        ProxyReplica replica = ProxyReplica.builder(authority, Secrets.API_KEY, agentSaw)
                .redis(redis.url(), "itest:", cipher).start();
        resources.add(replica);
        return replica;
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
        AtomicBoolean enough = new AtomicBoolean();
        CompletableFuture<List<Integer>> load = CompletableFuture.supplyAsync(() -> agentLoad(completed, enough));
        await().atMost(Duration.ofSeconds(10)).until(() -> completed.get() >= 100);
        redis.stop();
        int atKill = completed.get();

        // Connections first used while Redis is down are served from the Authority directly.
        Secrets.grantTokens(authority, "cold-during-outage");
        HttpResponse<String> coldOnA = a.get(url("cold-during-outage", "/x"));
        HttpResponse<String> coldOnB = b.get(url("cold-during-outage", "/x"));
        await().atMost(Duration.ofSeconds(10)).until(() -> completed.get() >= atKill + 200);
        enough.set(true);
        List<Integer> statuses = load.get(MAX_LOAD_TIME.toSeconds() + 10, TimeUnit.SECONDS);

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
     * Alternates requests on the leased connection between the replicas until told it has done enough,
     * at most {@link #MAX_REQUESTS} requests and {@link #MAX_LOAD_TIME}; answers every status the agent got.
     */
    private List<Integer> agentLoad(AtomicInteger completed, AtomicBoolean enough) {
        List<Integer> statuses = new ArrayList<>();
        long end = System.nanoTime() + MAX_LOAD_TIME.toNanos();
        for (int i = 0; i < MAX_REQUESTS && !enough.get() && System.nanoTime() < end; i++) {
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
