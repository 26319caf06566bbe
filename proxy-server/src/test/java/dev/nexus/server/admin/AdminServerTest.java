package dev.nexus.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.observe.ProxyMetrics;
import dev.nexus.server.config.Secret;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminServerTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A sample line of the Prometheus text format: name, optional labels, a value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*})? "
                    + "(-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( -?[0-9]+)?");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ReadinessChecks readiness = new ReadinessChecks();
    private final AdminRouter router = new AdminRouter();
    private AdminServer server;

    private void start() throws IOException {
        StandardEndpoints.register(router, readiness, registry, () -> true);
        server = AdminServer.start("127.0.0.1", 0, Secret.of(TOKEN), router);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    @Test
    void healthzSaysOk() throws Exception {
        start();
        HttpResponse<String> response = get("/healthz");

        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"status\":\"ok\"}", response.body());
    }

    @Test
    void readyzIsReadyWhenNoCheckIsDownAndListsEveryCheck() throws Exception {
        readiness.register("listeners bound", () -> ReadinessCheck.Result.up("127.0.0.1:3128"));
        readiness.register("redis", () -> ReadinessCheck.Result.degraded("unreachable, using in-process cache"));
        start();

        HttpResponse<String> response = get("/readyz");

        assertEquals(200, response.statusCode());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("ready", body.get("status").asText());
        assertEquals("listeners bound", body.at("/checks/0/name").asText());
        assertEquals("up", body.at("/checks/0/status").asText());
        assertEquals("127.0.0.1:3128", body.at("/checks/0/detail").asText());
        assertEquals("degraded", body.at("/checks/1/status").asText());
        assertEquals("unreachable, using in-process cache", body.at("/checks/1/detail").asText());
    }

    @Test
    void readyzIs503WhileACheckIsDownAndRecovers() throws Exception {
        AtomicReference<ReadinessCheck.Result> policy = new AtomicReference<>(ReadinessCheck.Result.down("no valid policy loaded yet"));
        readiness.register("listeners bound", () -> ReadinessCheck.Result.up("bound"));
        readiness.register("policy loaded", policy::get);
        readiness.register("broken", () -> {
            throw new IllegalStateException("boom");
        });
        start();

        HttpResponse<String> notReady = get("/readyz");
        assertEquals(503, notReady.statusCode());
        JsonNode body = JSON.readTree(notReady.body());
        assertEquals("not_ready", body.get("status").asText());
        assertEquals("down", body.at("/checks/1/status").asText());
        assertEquals("no valid policy loaded yet", body.at("/checks/1/detail").asText());
        assertEquals("check failed: IllegalStateException", body.at("/checks/2/detail").asText());
    }

    @Test
    void readyzRecoversWhenTheCheckPasses() throws Exception {
        AtomicReference<ReadinessCheck.Result> policy = new AtomicReference<>(ReadinessCheck.Result.down("loading"));
        readiness.register("policy loaded", policy::get);
        start();

        assertEquals(503, get("/readyz").statusCode());
        policy.set(ReadinessCheck.Result.up("version 3"));
        assertEquals(200, get("/readyz").statusCode());
    }

    @Test
    void metricsServeNexusAndJvmSeriesInTextFormat() throws Exception {
        ProxyMetrics metrics = new ProxyMetrics(registry);
        JvmMetrics.builder().register(registry);
        metrics.requestCompleted("GET", 200, "github", "h1", 2_000_000);
        metrics.connectionOpened(ProxyMetrics.Side.CLIENT);
        start();

        HttpResponse<String> response = get("/metrics");

        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        String text = response.body();
        assertTrue(text.contains("nexus_requests_total{method=\"GET\",protocol=\"h1\",route=\"github\",status_class=\"2xx\"} 1.0"), text);
        assertTrue(text.contains("nexus_active_connections{side=\"client\"} 1.0"), text);
        assertTrue(text.contains("nexus_request_duration_seconds_bucket{route=\"github\",le=\"0.0025\"} 1"), text);
        assertTrue(text.contains("\njvm_memory_used_bytes{area=\"heap\"} "), text);
        assertTrue(text.contains("\njvm_threads_current "), text);
        assertValidTextFormat(text);
    }

    @Test
    void metricsNegotiateOpenMetrics() throws Exception {
        new ProxyMetrics(registry);
        start();

        HttpResponse<String> response = get("/metrics", "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");

        assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("application/openmetrics-text"));
        assertTrue(response.body().endsWith("# EOF\n"), response.body());

        HttpResponse<String> protobuf = get("/metrics", "Accept",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
        assertEquals("text/plain; version=0.0.4; charset=utf-8", protobuf.headers().firstValue("content-type").orElseThrow(),
                "protobuf is not shipped, so the scraper gets the text format");
        assertTrue(protobuf.body().contains("# TYPE nexus_active_connections gauge"), protobuf.body());
    }

    @Test
    void tokenProtectsEverythingButTheProbesAndLoopbackMetrics() throws Exception {
        router.add(AdminRoute.get("/admin/connections", request -> AdminResponse.json(200, List.of("github"))));
        start();

        assertEquals(200, get("/healthz").statusCode());
        assertEquals(200, get("/readyz").statusCode());
        assertEquals(200, get("/metrics").statusCode(), "a scrape from loopback needs no token");

        HttpResponse<String> missing = get("/admin/connections");
        assertEquals(401, missing.statusCode());
        assertEquals("Bearer realm=\"nexus-proxy admin\"", missing.headers().firstValue("www-authenticate").orElseThrow());
        assertEquals("unauthorized", JSON.readTree(missing.body()).get("error").asText());
        assertFalse(missing.body().contains(TOKEN));

        assertEquals(401, get("/admin/connections", "Authorization", "Bearer wrong-token-0123456789").statusCode());
        assertEquals(401, get("/admin/connections", "Authorization", "Bearer " + TOKEN + "x").statusCode());
        assertEquals(401, get("/admin/connections", "Authorization", "Basic " + TOKEN).statusCode());
        assertEquals(200, get("/admin/connections", "Authorization", "Bearer " + TOKEN).statusCode());
        assertEquals(200, get("/admin/connections", "Authorization", "bearer " + TOKEN).statusCode());

        assertEquals(401, get("/admin/secret-path").statusCode(), "unknown paths do not reveal themselves without a token");
        assertEquals(404, get("/admin/secret-path", "Authorization", "Bearer " + TOKEN).statusCode());
    }

    @Test
    void unknownPathsAre404AndWrongMethods405InJson() throws Exception {
        start();

        assertEquals(401, get("/nope?x=1").statusCode());
        HttpResponse<String> notFound = get("/nope?x=1", "Authorization", "Bearer " + TOKEN);
        assertEquals(404, notFound.statusCode());
        assertEquals(Map.of("error", "not_found", "detail", "no admin endpoint at /nope"),
                JSON.readValue(notFound.body(), Map.class));

        HttpResponse<String> wrongMethod = send("POST", "/healthz");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST is not supported on /healthz; use GET", JSON.readTree(wrongMethod.body()).get("detail").asText());
        assertEquals(405, send("DELETE", "/metrics").statusCode());
    }

    @Test
    void pluggedInRoutesGetPathParametersAndAsyncAnswers() throws Exception {
        router.add(AdminRoute.get("/admin/connections", request -> AdminResponse.json(200, List.of("github"))));
        router.add(AdminRoute.post("/admin/connections/{id}/invalidate", request ->
                CompletableFuture.supplyAsync(() -> AdminResponse.json(202, Map.of("invalidated", request.pathParameter("id"))))));
        router.add(AdminRoute.get("/admin/fails", request -> {
            throw new IllegalStateException("internal detail that must not leak");
        }));
        start();
        String[] auth = {"Authorization", "Bearer " + TOKEN};

        assertEquals("[\"github\"]", get("/admin/connections", auth).body());
        HttpResponse<String> invalidated = send("POST", "/admin/connections/conn-42/invalidate", auth);
        assertEquals(202, invalidated.statusCode());
        assertEquals("{\"invalidated\":\"conn-42\"}", invalidated.body());
        assertEquals(401, send("POST", "/admin/connections/conn-42/invalidate").statusCode());
        assertEquals(405, get("/admin/connections/conn-42/invalidate", auth).statusCode());

        HttpResponse<String> failed = get("/admin/fails", auth);
        assertEquals(500, failed.statusCode());
        assertFalse(failed.body().contains("must not leak"), failed.body());
    }

    private static void assertValidTextFormat(String text) {
        assertTrue(text.endsWith("\n"));
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            assertTrue(SAMPLE.matcher(line).matches(), () -> "not a valid sample line: " + line);
        }
    }
}
