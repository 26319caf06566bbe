package dev.nexus.server.runtime;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.server.NexusServer;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Re-consent in the running product, configured by {@code authority.nexus.reconsent}: the Authority says the
 * route's connection needs attention; a stock client (curl) first gets a 409 with the consent link the proxy
 * requested, operators find the same link in {@code /admin/connections/attention} and in the metric
 * {@code nexus_connection_attention}; once the human approved, requests succeed with the new connection, the
 * admin API shows the switch, and with Redis a restarted proxy keeps it.
 */
class ReconsentRuntimeTest {

    private static final String CONSENT_URL = "https://consent.example/authorize?state=st-77";
    private static final String AUTHORITY_KEY = "authority-api-key-SECRET-2024";
    private static final String ADMIN_TOKEN = "reconsent-admin-token-0123456789";
    private static final String CREDENTIAL = "mail-credential-SECRET-99";
    private static final String REDIS_KEY = Base64.getEncoder().encodeToString(
            "redis-encryption-key-SECRET-32by".getBytes(StandardCharsets.US_ASCII));

    @TempDir
    Path dir;
    private final List<String> seen = new ArrayList<>();
    private NexusServer server;
    private TestAuthority authority;
    private TestOrigin origin;
    private LogCapture logs;
    private int proxyPort;

    @BeforeEach
    void start() throws Exception {
        logs = new LogCapture();
        origin = TestOrigin.start();
        authority = TestAuthority.builder().apiKey("X-API-Key", AUTHORITY_KEY).start();
        authority.respond("mail", Reply.attentionRequired("the provider refused the refresh token"))
                .respond("mail-2", Reply.apiKey(CREDENTIAL, Instant.now().plusSeconds(600)))
                .onRequestConnection(request -> Reply.consentStarted("mail-2", CONSENT_URL))
                .checkStatus("mail-2", "pending");
        Files.writeString(dir.resolve("policy.yaml"), """
                version: 1
                routes:
                  - name: mail-api
                    match: {hosts: ["127.0.0.1/32"], ports: [%d]}
                    action: inject
                    connection: mail
                """.formatted(origin.port()));
        try (ServerSocket probe = new ServerSocket(0)) {
            proxyPort = probe.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown();
        }
        origin.close();
        authority.close();
        logs.close();
        String everything = logs.text() + String.join("\n", seen);
        for (String secret : List.of(AUTHORITY_KEY, CREDENTIAL, REDIS_KEY)) {
            assertThat(everything).as("no trace of a secret").doesNotContain(secret);
        }
    }

    private void startServer(String redisSection) throws Exception {
        NexusConfig config = new ConfigLoader(Map.of("AUTHORITY_KEY", AUTHORITY_KEY, "REDIS_KEY", REDIS_KEY,
                "ADMIN_TOKEN", ADMIN_TOKEN)::get)
                .parse("reconsent.yaml", """
                        listen: {port: %d}
                        admin: {port: 0, token: "${ADMIN_TOKEN}"}
                        policy: {path: "%s"}
                        tls: {ca_dir: "%s"}
                        authority:
                          type: nexus
                          nexus:
                            url: "%s"
                            api_key: "${AUTHORITY_KEY}"
                            reconsent:
                              workspace_id: ws-acme
                              return_url: https://agents.acme.example/consented
                              poll_initial: 100ms
                              poll_max: 300ms
                              connections:
                                mail: {provider_id: google, scopes: [gmail.send]}
                        %s
                        """.formatted(proxyPort, dir.resolve("policy.yaml"), dir.resolve("ca"), authority.baseUri(),
                        redisSection));
        server = NexusServer.start(config, DataPlaneRuntime::new);
        await().atMost(Duration.ofSeconds(20)).until(() -> admin("/readyz").statusCode() == 200);
        if (!redisSection.isEmpty()) {
            // Until Redis is connected the consent state of earlier runs cannot be read: wait as an operator would.
            await().atMost(Duration.ofSeconds(20)).until(() -> admin("/readyz").body().contains("\"connected\""));
        }
    }

    /** curl through the proxy: the body, a newline, the status code. */
    private String curl(String path) throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "-x", "http://127.0.0.1:" + proxyPort, "-w", "\n%{http_code}",
                origin.url(path)).redirectErrorStream(true).start();
        assertThat(curl.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        seen.add(out);
        return out;
    }

    private HttpResponse<String> admin(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.adminAddress().getPort() + path))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        seen.add(response.body());
        return response;
    }

    private String attentionMetric() throws Exception {
        return admin("/metrics").body().lines().filter(line -> line.startsWith("nexus_connection_attention{"))
                .findFirst().orElse("");
    }

    @Test
    void anAgentGetsTheConsentLinkThenTheSwitchedConnection() throws Exception {
        startServer("");

        String first = curl("/send/1");
        assertThat(first).endsWith("\n409").contains("\"error\":\"attention_required\"").contains("\"route\":\"mail-api\"")
                .contains("\"connection\":\"mail\"").contains("\"consent_url\":\"" + CONSENT_URL + "\"");
        assertThat(curl("/send/2")).endsWith("\n409").contains(CONSENT_URL);
        assertThat(authority.calls(Endpoint.REQUEST_CONNECTION)).as("one consent, however many agents ask").isEqualTo(1);
        assertThat(authority.consentRequests().get(0).toString()).contains("\"workspace_id\":\"ws-acme\"")
                .contains("\"provider_id\":\"google\"").contains("\"gmail.send\"")
                .contains("\"return_url\":\"https://agents.acme.example/consented\"");

        assertThat(admin("/admin/connections/attention").body()).contains("\"connection\":\"mail\"")
                .contains("\"consent_url\":\"" + CONSENT_URL + "\"").contains("\"new_connection\":\"mail-2\"");
        assertThat(attentionMetric()).contains("connection=\"mail\"").endsWith(" 1.0");

        authority.checkStatus("mail-2", "active"); // the human approved

        await().atMost(Duration.ofSeconds(10)).until(() -> curl("/send/after").endsWith("\n200"));
        assertThat(origin.lastRequest().header("authorization")).isEqualTo("Bearer " + CREDENTIAL);
        String connections = admin("/admin/connections").body();
        assertThat(connections).contains("\"switched\":[{\"connection\":\"mail\",\"served_by\":\"mail-2\"}]")
                .contains("\"attention\":[]");
        assertThat(attentionMetric()).endsWith(" 0.0");
    }

    @Test
    void withRedisTheSwitchSurvivesARestart() throws Exception {
        String redis = """
                redis:
                  url: "%s"
                  encryption_keys: {k1: "${REDIS_KEY}"}
                  namespace: "reconsent-%s:"
                """.formatted(RedisServers.shared(), UUID.randomUUID());
        startServer(redis);
        assertThat(curl("/send/1")).endsWith("\n409").contains(CONSENT_URL);
        authority.checkStatus("mail-2", "active");
        await().atMost(Duration.ofSeconds(10)).until(() -> curl("/send/after").endsWith("\n200"));

        server.shutdown();
        server = null;
        int oldConnectionCalls = authority.calls(Endpoint.TOKEN, "mail");
        startServer(redis);

        assertThat(curl("/send/restarted")).endsWith("\n200");
        assertThat(authority.calls(Endpoint.TOKEN, "mail")).as("the old connection is not asked again").isEqualTo(oldConnectionCalls);
        assertThat(authority.calls(Endpoint.REQUEST_CONNECTION)).isEqualTo(1);
        assertThat(admin("/admin/connections").body()).contains("\"served_by\":\"mail-2\"");
    }
}
