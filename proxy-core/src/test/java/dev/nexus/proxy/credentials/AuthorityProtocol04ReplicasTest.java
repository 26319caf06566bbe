package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Protocol 0.4's Authority answers across two replicas sharing a real Redis: a 410 {@code connection_revoked}
 * learnt by one stops the other within a second without it asking the Authority, and a 429 with
 * {@code Retry-After} silences the Authority for both until it passes, while cached leases keep working and
 * agents of cold connections get a 503 with {@code Retry-After} at once.
 */
class AuthorityProtocol04ReplicasTest {

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final String namespace = "itest04:" + UUID.randomUUID() + ":";
    private TestAuthority authority;
    private TestOrigin origin;
    private ProxyReplica a;
    private ProxyReplica b;

    @BeforeEach
    void start() throws Exception {
        authority = scene.authority();
        origin = scene.add(TestOrigin.start(TestOrigin.Responder.of(AuthorityProtocol04ReplicasTest::originAnswer)));
        LeaseCipher cipher = Secrets.leaseCipher();
        a = scene.replica(replica -> replica.redis(RedisServers.shared(), namespace, cipher));
        b = scene.replica(replica -> replica.redis(RedisServers.shared(), namespace, cipher));
        await().atMost(Duration.ofSeconds(15)).until(() -> a.store().available() && b.store().available());
    }

    private static FullHttpResponse originAnswer(RecordedRequest request) {
        return request.uri().contains("/revoked-at-origin")
                ? TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "credential refused")
                : TestOrigin.text(HttpResponseStatus.OK, "ok");
    }

    private String url(String connection, String path) {
        return origin.url("/" + connection + path);
    }

    private int authorityCalls(String connection) {
        return authority.calls(Endpoint.TOKEN, connection) + authority.calls(Endpoint.REFRESH, connection);
    }

    @Test
    void a410OnOneReplicaStopsTheOtherWithinOneSecondWithoutItAskingTheAuthority() throws Exception {
        Secrets.grantTokens(authority, "gone");
        assertThat(a.get(url("gone", "/warm")).statusCode()).isEqualTo(200);
        assertThat(b.get(url("gone", "/warm")).statusCode()).isEqualTo(200);
        assertThat(b.holdsLease("gone")).isTrue();
        authority.respond("gone", Reply.connectionRevoked());

        HttpResponse<String> onA = a.get(url("gone", "/revoked-at-origin"));
        assertThat(onA.statusCode()).isEqualTo(403);
        assertThat(onA.body()).contains("\"error\":\"connection_revoked\"").contains("\"route\":\"route-gone\"")
                .contains("\"connection\":\"gone\"");
        int callsAfterA = authorityCalls("gone");

        await().atMost(Duration.ofSeconds(1)).until(() -> !b.holdsLease("gone"));
        HttpResponse<String> onB = b.get(url("gone", "/still-fine-at-origin"));
        assertThat(onB.statusCode()).isEqualTo(403);
        assertThat(onB.body()).contains("\"error\":\"connection_revoked\"").contains("\"connection\":\"gone\"");
        assertThat(authorityCalls("gone")).as("B knew from A, it did not ask the Authority").isEqualTo(callsAfterA);
        assertThat(origin.requests().stream().filter(r -> r.uri().contains("/still-fine-at-origin"))).isEmpty();
    }

    @Test
    void a429IsHonouredByBothReplicasWhileCachedLeasesKeepWorking() throws Exception {
        Secrets.grantTokens(authority, "warm");
        assertThat(a.get(url("warm", "/before")).statusCode()).isEqualTo(200);
        authority.respond("cold", Reply.rateLimited(3));

        HttpResponse<String> limited = a.get(url("cold", "/x"));

        assertThat(limited.statusCode()).isEqualTo(503);
        assertThat(limited.body()).contains("\"error\":\"authority_rate_limited\"").contains("\"connection\":\"cold\"");
        assertThat(limited.headers().firstValueAsLong("Retry-After").orElse(-1)).isBetween(1L, 3L);
        assertThat(authority.calls(Endpoint.TOKEN, "cold")).isEqualTo(1);

        // The deadline reaches B through Redis: B's cold request is answered at once, without a call.
        await().atMost(Duration.ofSeconds(1)).until(() -> b.cache().authorityRateLimitedUntil().isPresent());
        HttpResponse<String> onB = b.get(url("cold", "/y"));
        assertThat(onB.statusCode()).isEqualTo(503);
        assertThat(onB.headers().firstValue("Retry-After")).isPresent();
        assertThat(a.get(url("warm", "/during")).statusCode()).as("a cached lease is still served").isEqualTo(200);
        assertThat(authority.calls(Endpoint.TOKEN)).as("no Authority call before Retry-After").isEqualTo(2);

        // Once Retry-After has passed the Authority is asked again, once.
        Secrets.grantTokens(authority, "cold");
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200))
                .until(() -> a.get(url("cold", "/after")).statusCode() == 200);
        assertThat(authority.calls(Endpoint.TOKEN, "cold")).isEqualTo(2);
    }
}
