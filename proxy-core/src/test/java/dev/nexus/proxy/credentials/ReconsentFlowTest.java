package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.reconsent.ReconsentSettings;
import dev.nexus.proxy.credentials.reconsent.ReconsentingLeases;
import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import dev.nexus.proxy.testing.TestOrigin;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Re-consent end to end over real sockets: two replicas sharing Redis, the test Authority answering
 * {@code attention_required} for the route's connection. Agents (curl) first get a 409 with the one consent link
 * the proxy requested; once the Authority reports the new connection active, the same requests succeed with the
 * new connection's credentials, on both replicas and on a replica started afterwards.
 */
class ReconsentFlowTest {

    private static final String CONSENT_URL = "https://consent.example/authorize?state=st-42";

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final String namespace = "itest-consent:" + UUID.randomUUID() + ":";
    private final LeaseCipher cipher = Secrets.leaseCipher();
    private TestAuthority authority;
    private TestOrigin origin;

    @BeforeEach
    void start() throws Exception {
        authority = scene.authority();
        origin = scene.add(TestOrigin.start());
        authority.respond("mail", Reply.attentionRequired("the provider refused the refresh token"))
                .onRequestConnection(request -> Reply.consentStarted("mail-2", CONSENT_URL))
                .checkStatus("mail-2", "pending");
        Secrets.grantTokens(authority, "mail-2");
    }

    private ProxyReplica replica() throws Exception {
        ReconsentSettings settings = new ReconsentSettings("ws-1", "https://app.example/consented",
                Map.of("mail", new ReconsentSettings.Provider("google", List.of("gmail.send"))),
                Duration.ofMillis(100), Duration.ofMillis(300), null);
        ProxyReplica replica = scene.replica(builder -> builder.redis(RedisServers.shared(), namespace, cipher)
                .leases(r -> new ReconsentingLeases(r.cache(), r.source().consent(), r.store().consentStore(), settings,
                        r.registry())));
        await().atMost(Duration.ofSeconds(15)).until(() -> replica.store().available());
        return replica;
    }

    /** curl through the replica: status line code, then the body. */
    private String curl(ProxyReplica replica, String path) throws Exception {
        Curl.Result curl = Curl.run("-x", replica.proxyUrl(), "-w", "\n%{http_code}", origin.url("/mail" + path));
        scene.agentSaw().add(curl.stdout() + curl.stderr());
        return curl.stdout();
    }

    private static double attentionGauge(ProxyReplica replica) {
        return replica.registry().scrape().stream()
                .filter(metric -> metric.getMetadata().getName().equals("nexus_connection_attention"))
                .flatMap(metric -> ((GaugeSnapshot) metric).getDataPoints().stream())
                .filter(point -> "mail".equals(point.getLabels().get("connection")))
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst().orElse(-1);
    }

    @Test
    void fromAttentionToTheSwitchedConnection() throws Exception {
        ProxyReplica a = replica();
        ProxyReplica b = replica();

        List<CompletableFuture<HttpResponse<String>>> agents = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            agents.add(a.getAsync(origin.url("/mail/send/" + i)));
            agents.add(b.getAsync(origin.url("/mail/send/" + i)));
        }
        for (CompletableFuture<HttpResponse<String>> agent : agents) {
            HttpResponse<String> response = agent.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(409);
            assertThat(response.body()).contains("\"error\":\"attention_required\"").contains("\"route\":\"route-mail\"")
                    .contains("\"connection\":\"mail\"").contains("\"consent_url\":\"" + CONSENT_URL + "\"");
        }
        String first = curl(a, "/send/curl");
        assertThat(first).endsWith("\n409").contains(CONSENT_URL).contains("\"detail\":\"ATTENTION_REQUIRED for connection mail");
        assertThat(authority.calls(Endpoint.REQUEST_CONNECTION)).as("one consent for both replicas").isEqualTo(1);
        assertThat(authority.consentRequests().get(0).toString()).contains("\"workspace_id\":\"ws-1\"")
                .contains("\"provider_id\":\"google\"").contains("\"gmail.send\"")
                .contains("\"return_url\":\"https://app.example/consented\"");
        assertThat(attentionGauge(a)).isEqualTo(1.0);

        // The human approves: the Authority reports the new connection active.
        authority.checkStatus("mail-2", "active");

        await().atMost(Duration.ofSeconds(10)).until(() -> curl(a, "/send/after").endsWith("\n200"));
        await().atMost(Duration.ofSeconds(10)).until(() -> curl(b, "/send/after").endsWith("\n200"));
        assertThat(origin.lastRequest().header("authorization")).isEqualTo(Secrets.authorization("mail-2", 0));
        assertThat(attentionGauge(a)).isEqualTo(0.0);
        assertThat(((ReconsentingLeases) a.leases()).switched()).containsEntry("mail", "mail-2");

        // A replica started now reads the switch from Redis: it never asks for the old connection.
        int oldConnectionCalls = authority.calls(Endpoint.TOKEN, "mail");
        ProxyReplica restarted = replica();
        assertThat(curl(restarted, "/send/restarted")).endsWith("\n200");
        assertThat(authority.calls(Endpoint.TOKEN, "mail")).isEqualTo(oldConnectionCalls);
        assertThat(authority.calls(Endpoint.REQUEST_CONNECTION)).isEqualTo(1);
    }
}
