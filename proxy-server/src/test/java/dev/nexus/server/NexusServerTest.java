package dev.nexus.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.server.admin.AdminResponse;
import dev.nexus.server.admin.AdminRoute;
import dev.nexus.server.admin.ReadinessCheck;
import dev.nexus.server.config.ConfigException;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.runtime.ProxyRuntime;
import dev.nexus.server.runtime.ProxyRuntimeFactory;
import dev.nexus.server.runtime.StartupException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server lifecycle around a data plane stand-in that records what the server asks of it. */
class NexusServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "nexus-server-test-token-0123";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final CountDownLatch releaseDrain = new CountDownLatch(1);
    private NexusServer server;

    /** Free ports, the given drain time, and the given access_log section (YAML flow mapping). */
    private static NexusConfig config(String drain, String accessLog) throws ConfigException {
        return new ConfigLoader(name -> null).parse("test", """
                listen: {port: 0}
                admin: {port: 0, token: %s}
                timeouts: {shutdown_drain: %s}
                access_log: %s
                """.formatted(ADMIN_TOKEN, drain, accessLog));
    }

    private static final String NO_ACCESS_LOG = "{enabled: false}";

    /** A data plane that registers a readiness check and an admin route, and blocks its drain until released. */
    private ProxyRuntimeFactory recordingRuntime() {
        return context -> {
            context.readiness().register("listeners bound", () -> ReadinessCheck.Result.up("127.0.0.1:0"));
            context.adminRouter().add(AdminRoute.get("/admin/connections", request -> AdminResponse.json(200, List.of())));
            return new ProxyRuntime() {
                @Override
                public void start() {
                    calls.add("start");
                }

                @Override
                public void reload() {
                    calls.add("reload");
                }

                @Override
                public void shutdown(Duration drain) {
                    calls.add("shutdown " + drain);
                    try {
                        releaseDrain.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        };
    }

    @AfterEach
    void stop() {
        releaseDrain.countDown();
        if (server != null) {
            server.shutdown();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startsTheRuntimeBehindTheAdminListenerAndReportsReady() throws Exception {
        server = NexusServer.start(config("7s", NO_ACCESS_LOG), recordingRuntime());

        assertEquals(List.of("start"), calls);
        HttpResponse<String> ready = get("/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode checks = JSON.readTree(ready.body()).get("checks");
        assertEquals("lifecycle", checks.get(0).get("name").asText());
        assertEquals("running", checks.get(0).get("detail").asText());
        assertEquals("listeners bound", checks.get(1).get("name").asText());
        assertEquals("up", checks.get(1).get("status").asText());
        assertEquals("[]", get("/admin/connections").body());
        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("nexus_active_connections{side=\"client\"} 0.0"), metrics);
        assertTrue(metrics.contains("jvm_memory_used_bytes"), metrics);

        server.reload();
        assertEquals(List.of("start", "reload"), calls);
    }

    @Test
    void healthzAnswers503UntilTheDataPlaneHasStarted() throws Exception {
        int adminPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            adminPort = probe.getLocalPort();
        }
        NexusConfig config = new ConfigLoader(name -> null).parse("test", """
                listen: {port: 0}
                admin: {port: %d, token: %s}
                access_log: {enabled: false}
                """.formatted(adminPort, ADMIN_TOKEN));
        CountDownLatch loaded = new CountDownLatch(1);
        ProxyRuntimeFactory slowStart = context -> new ProxyRuntime() {
            @Override
            public void start() throws InterruptedException {
                loaded.await(10, TimeUnit.SECONDS); // listener, policy and TLS material still loading
            }

            @Override
            public void reload() {
            }

            @Override
            public void shutdown(Duration drain) {
            }
        };
        CompletableFuture<NexusServer> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return NexusServer.start(config, slowStart);
            } catch (StartupException e) {
                throw new IllegalStateException(e);
            }
        });
        URI healthz = URI.create("http://127.0.0.1:" + adminPort + "/healthz");

        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(ConnectException.class)
                .until(() -> client.send(HttpRequest.newBuilder(healthz).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 503);
        HttpResponse<String> whileStarting = client.send(HttpRequest.newBuilder(healthz).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"status\":\"starting\"}", whileStarting.body());

        loaded.countDown();
        server = starting.get(10, TimeUnit.SECONDS);
        assertEquals(200, client.send(HttpRequest.newBuilder(healthz).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());
    }

    @Test
    void shutdownDrainsForTheConfiguredTimeWhileReadinessSaysShuttingDown() throws Exception {
        server = NexusServer.start(config("7s", NO_ACCESS_LOG), recordingRuntime());
        int adminPort = server.adminAddress().getPort();

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(server::shutdown);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.contains("shutdown PT7S"));

        HttpResponse<String> draining = get("/readyz");
        assertEquals(503, draining.statusCode());
        assertTrue(draining.body().contains("\"detail\":\"shutting down\""), draining.body());
        assertEquals(200, get("/healthz").statusCode());

        releaseDrain.countDown();
        shutdown.get(10, TimeUnit.SECONDS);
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", adminPort), 2000);
            }
        }, "admin listener closed after shutdown");
        server.shutdown(); // idempotent
        assertEquals(List.of("start", "shutdown PT7S"), calls);
    }

    @Test
    void failedRuntimeStartReleasesTheAdminPortAndNamesTheCause() throws Exception {
        ProxyRuntimeFactory failing = context -> new ProxyRuntime() {
            @Override
            public void start() throws IOException {
                throw new IOException("listen 127.0.0.1:3128: Address already in use");
            }

            @Override
            public void reload() {
            }

            @Override
            public void shutdown(Duration drain) {
            }
        };

        StartupException e = assertThrows(StartupException.class,
                () -> NexusServer.start(config("0s", NO_ACCESS_LOG), failing));

        assertEquals("cannot start: listen 127.0.0.1:3128: Address already in use", e.getMessage());
    }

    @Test
    void adminPortInUseIsAOneLineStartupError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            NexusConfig clash = new ConfigLoader(name -> null).parse("test",
                    "admin: {port: " + taken.getLocalPort() + ", token: " + ADMIN_TOKEN + "}\nlisten: {port: 0}\naccess_log: {enabled: false}");

            StartupException e = assertThrows(StartupException.class, () -> NexusServer.start(clash, recordingRuntime()));

            assertTrue(e.getMessage().startsWith("cannot start: admin listener: cannot bind 127.0.0.1:" + taken.getLocalPort() + ": "),
                    e.getMessage());
            assertTrue(calls.isEmpty(), "the data plane is not started when the admin port is taken");
        }
    }

    @Test
    void accessLogFileReceivesWhatTheDataPlaneLogs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        String toFile = "{target: file, path: \"" + file + "\"}";
        ProxyRuntimeFactory logging = context -> {
            context.accessLog().log(new dev.nexus.proxy.observe.ExchangeRecord(0L, null, "GET", "http", "example.com", 80,
                    "/a?secret=1", 200, 0, 5, 1_000_000L, -1L, null, "allow", "h1", null));
            return recordingRuntime().create(context);
        };
        server = NexusServer.start(config("0s", toFile), logging);
        releaseDrain.countDown();
        server.shutdown();

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(1, lines.size());
        assertEquals("/a", JSON.readTree(lines.get(0)).get("path").asText());
    }

    @Test
    void unopenableAccessLogIsAStartupError(@TempDir Path dir) {
        Path file = dir.resolve("missing-dir").resolve("access.log");
        String toFile = "{target: file, path: \"" + file + "\"}";

        StartupException e = assertThrows(StartupException.class,
                () -> NexusServer.start(config("0s", toFile), recordingRuntime()));

        assertTrue(e.getMessage().startsWith("access_log.path: cannot open " + file + " for appending: "), e.getMessage());
    }
}
