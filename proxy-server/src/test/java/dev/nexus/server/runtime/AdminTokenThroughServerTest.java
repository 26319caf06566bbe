package dev.nexus.server.runtime;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.server.NexusServer;
import dev.nexus.server.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole server on its defaults but for the token file's place: no admin.token configured, so one is
 * generated into a 0600 file named in the log, and an agent on the same loopback cannot list or invalidate
 * connections without it, while probes and loopback scrapes stay open.
 */
class AdminTokenThroughServerTest {

    @TempDir
    Path dir;
    private NexusServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown();
        }
    }

    private HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.adminAddress().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void connectionStateNeedsTheGeneratedTokenEvenOnLoopback() throws Exception {
        Path tokenFile = dir.resolve("nexus-admin-token");
        String log;
        try (LogCapture logs = new LogCapture()) {
            server = NexusServer.start(new ConfigLoader(Map.<String, String>of()::get).parse("admin.yaml", """
                    listen: {port: 0}
                    admin: {port: 0, token_file: "%s"}
                    authority: {type: file, file: {path: "%s"}}
                    tls: {ca_dir: "%s"}
                    """.formatted(tokenFile, dir.resolve("credentials.yaml"), dir.resolve("ca"))), DataPlaneRuntime::new);
            log = logs.text();
        }
        String token = Files.readString(tokenFile).strip();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
        assertThat(log).contains(tokenFile.toString()).doesNotContain(token);

        assertThat(call("GET", "/admin/connections", null).statusCode()).isEqualTo(401);
        assertThat(call("POST", "/admin/connections/github/invalidate", null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/connections", "not-the-token-0123456789").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/connections", token).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/admin/connections/github/invalidate", token).statusCode()).isBetween(200, 299);

        assertThat(call("GET", "/healthz", null).statusCode()).isEqualTo(200);
        await().until(() -> call("GET", "/readyz", null).statusCode() == 200);
        assertThat(call("GET", "/metrics", null).body()).contains("nexus_active_connections");
    }
}
