package dev.nexus.server.runtime;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.server.NexusServer;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole product, in process: config file, hot policy, a Nexus Authority over HTTP with an API key,
 * Redis as the shared lease store, the access log in a file. Agents get credentials injected and clear
 * errors, and no secret (credential, Authority API key, Redis encryption key) ever shows up in the logs,
 * the access log, the metrics, the admin API or any response the agent gets.
 */
class EndToEndSecretsTest {

    private static final String CREDENTIAL = "ghp-credential-SECRET-4711";
    private static final String AUTHORITY_KEY = "authority-api-key-SECRET-0815";
    private static final String ADMIN_TOKEN = "admin-token-SECRET-4242-abcdef";
    private static final String REDIS_KEY = Base64.getEncoder().encodeToString(
            "redis-encryption-key-SECRET-32by".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    @TempDir
    Path dir;
    private final List<String> agentSaw = new ArrayList<>();
    private NexusServer server;
    private TestAuthority authority;
    private TestOrigin origin;
    private LogCapture logs;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown();
        }
        if (origin != null) {
            origin.close();
        }
        if (authority != null) {
            authority.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    @Test
    void injectsCredentialsAndLeaksNoSecretAnywhere() throws Exception {
        logs = new LogCapture();
        origin = TestOrigin.start(TestOrigin.Responder.of(request -> TestOrigin.text(
                io.netty.handler.codec.http.HttpResponseStatus.OK, "authorized=" + (request.header("authorization") != null))));
        authority = TestAuthority.builder().apiKey("X-API-Key", AUTHORITY_KEY).start();
        authority.respond("github", TestAuthority.Reply.apiKey(CREDENTIAL, Instant.now().plus(1, ChronoUnit.HOURS)));
        authority.respond("gone", TestAuthority.Reply.revoked());

        Files.writeString(dir.resolve("policy.yaml"), """
                version: 1
                routes:
                  - name: revoked-route
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], paths: ["/gone/**"]}
                    action: inject
                    connection: gone
                  - name: github
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d]}
                    action: inject
                    connection: github
                """.formatted(origin.port()));
        int proxyPort = freePort();
        Path accessLog = dir.resolve("access.log");
        Map<String, String> environment = Map.of("AUTHORITY_KEY", AUTHORITY_KEY, "REDIS_KEY", REDIS_KEY, "ADMIN_TOKEN", ADMIN_TOKEN,
                "REDIS_URL", RedisServers.shared());
        NexusConfig config = new ConfigLoader(environment::get).parse("e2e.yaml", """
                listen: {port: %d}
                admin: {port: 0, token: "${ADMIN_TOKEN}"}
                access_log: {target: file, path: "%s"}
                policy: {path: "%s"}
                authority:
                  type: nexus
                  nexus: {url: "%s", api_key: "${AUTHORITY_KEY}"}
                redis:
                  url: "${REDIS_URL}"
                  encryption_keys: {k1: "${REDIS_KEY}"}
                  active_key_id: k1
                  namespace: "e2e-%d:"
                tls: {ca_dir: "%s"}
                """.formatted(proxyPort, accessLog, dir.resolve("policy.yaml"), authority.baseUri(), proxyPort,
                dir.resolve("ca")));
        server = NexusServer.start(config, DataPlaneRuntime::new);
        HttpClient admin = HttpClient.newHttpClient();
        String adminBase = "http://127.0.0.1:" + server.adminAddress().getPort();
        await().until(() -> get(admin, adminBase + "/readyz").statusCode() == 200);

        HttpClient agent = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxyPort))).build();
        HttpResponse<String> ok = send(agent, origin.url("/repos?token=" + "q"));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("authorized=true");
        assertThat(origin.lastRequest().header("authorization")).isEqualTo("Bearer " + CREDENTIAL);

        HttpResponse<String> revoked = send(agent, origin.url("/gone/x"));
        assertThat(revoked.statusCode()).isEqualTo(403);
        assertThat(revoked.body()).contains("connection_revoked").contains("\"route\":\"revoked-route\"");

        String connections = get(admin, adminBase + "/admin/connections").body();
        assertThat(connections).contains("\"github\"");
        String metrics = get(admin, adminBase + "/metrics").body();
        assertThat(metrics).contains("nexus_requests_total").contains("nexus_authority_calls_total");
        await().until(() -> Files.exists(accessLog) && Files.readString(accessLog).contains("/gone/x"));

        server.shutdown();
        server = null;
        String everything = String.join("\n", logs.text(), Files.readString(accessLog), metrics, connections,
                String.join("\n", agentSaw));
        for (String secret : List.of(CREDENTIAL, AUTHORITY_KEY, REDIS_KEY, ADMIN_TOKEN)) {
            assertThat(everything).as("no trace of a secret").doesNotContain(secret);
        }
        assertThat(Files.readString(accessLog)).doesNotContain("token=q");
    }

    private HttpResponse<String> send(HttpClient client, String url) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        agentSaw.add(response.headers().map() + " " + response.body());
        return response;
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
