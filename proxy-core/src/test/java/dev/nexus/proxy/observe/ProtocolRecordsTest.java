package dev.nexus.proxy.observe;

import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static dev.nexus.proxy.observe.MetricValues.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * What the records say about how an agent spoke, through an intercepting route: the protocol ({@code h1},
 * {@code h2}, {@code h2c}) in every access-log record, audit record and request metric, the {@code Via} the
 * origin sees ({@code 1.1} or {@code 2}), and for gRPC calls their method and final grpc-status. Real clients:
 * the JDK HttpClient (HTTP/1.1 and HTTP/2 through TLS interception) and curl (h2c with prior knowledge inside
 * CONNECT). The records go through the production metrics and access-log formatter.
 */
class ProtocolRecordsTest {

    @TempDir
    Path dir;
    private TestOrigin tlsOrigin;
    private TestOrigin plainOrigin;
    private InterceptingProxy proxy;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final List<String> accessLog = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        TestOrigin.Responder via = TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "via=" + request.header("via")));
        tlsOrigin = TestOrigin.startTls(originTls.serverContext(), via);
        plainOrigin = TestOrigin.start(via);
        proxy = new InterceptingProxy(dir, originTls.writePem(dir));
    }

    @AfterEach
    void stop() {
        proxy.close();
        tlsOrigin.close();
        plainOrigin.close();
    }

    private HttpClient agent(HttpClient.Version version) throws Exception {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.harness().address()))
                .sslContext(proxy.agentTls()).version(version).build();
    }

    private String get(HttpClient agent, String path) throws Exception {
        HttpResponse<String> response = agent.send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + tlsOrigin.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private String h2cCurl(String url, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--http2-prior-knowledge", "-p", "-x",
                proxy.harness().proxyUrl()));
        args.addAll(List.of(extra));
        args.add(url);
        Curl.Result result = Curl.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result.stdout();
    }

    /** Every record so far, through the production metrics and access-log formatter. */
    private void observeRecords(int expected) {
        List<ExchangeRecord> records = proxy.harness().events().exchanges;
        await().atMost(Duration.ofSeconds(10)).until(() -> records.size() >= expected);
        ProxyEvents production = new MetricsAndAccessLog(new ProxyMetrics(registry), new AccessLog() {
            @Override
            public void log(ExchangeRecord entry) {
                StringBuilder line = new StringBuilder();
                AccessLogFormatter.format(entry, line);
                accessLog.add(line.toString());
            }

            @Override
            public void close() {
            }
        });
        records.forEach(production::exchangeCompleted);
    }

    private String accessLogLine(String path) {
        return accessLog.stream().filter(line -> line.contains("\"path\":\"" + path + "\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no access-log line for " + path + " in " + accessLog));
    }

    private Map<String, String> auditedProtocols() {
        return proxy.audit().stream().filter(event -> event.path() != null)
                .collect(Collectors.toMap(AuditEvent::path, AuditEvent::protocol));
    }

    @Test
    void recordsAndViaNameTheProtocolTheAgentSpoke() throws Exception {
        assumeThat(Curl.installed()).as("curl is not installed").isTrue();
        assertThat(get(agent(HttpClient.Version.HTTP_1_1), "/h1")).isEqualTo("via=1.1 nexus-proxy");
        assertThat(get(agent(HttpClient.Version.HTTP_2), "/h2")).isEqualTo("via=2 nexus-proxy");
        assertThat(h2cCurl(plainOrigin.url("/h2c"))).isEqualTo("via=2 nexus-proxy");

        observeRecords(6); // three requests, three CONNECTs
        assertThat(proxy.harness().events().exchanges).extracting(r -> r.method() + " " + r.path() + " " + r.protocol())
                .contains("GET /h1 h1", "GET /h2 h2", "GET /h2c h2c", "CONNECT null h1");
        await().atMost(Duration.ofSeconds(5)).until(() -> auditedProtocols().size() == 3);
        assertThat(auditedProtocols()).isEqualTo(Map.of("/h1", "h1", "/h2", "h2", "/h2c", "h2c"));
        for (String protocol : List.of("h1", "h2", "h2c")) {
            assertThat(value(registry, "nexus_requests", "method", "GET", "status_class", "2xx", "route",
                    InterceptingProxy.ROUTE, "protocol", protocol)).as(protocol).isEqualTo(1.0);
            assertThat(accessLogLine("/" + protocol)).endsWith(",\"protocol\":\"" + protocol + "\"}");
        }
    }

    @Test
    void grpcCallsRecordTheirMethodAndFinalStatus() throws Exception {
        assumeThat(Curl.installed()).as("curl is not installed").isTrue();
        try (ScriptedOrigin grpcOrigin = new ScriptedOrigin(ProtocolRecordsTest::answerAsGrpc)) {
            String grpc = "content-type: application/grpc+proto";
            h2cCurl(grpcOrigin.url("/demo.v1.Echo/Say"), "-H", grpc, "--data-binary", "call");
            h2cCurl(grpcOrigin.url("/demo.v1.Echo/Missing"), "-H", grpc, "--data-binary", "call");
            h2cCurl(grpcOrigin.url("/not-a-method"), "-H", grpc, "--data-binary", "call");
            // refused by the proxy itself (a connection the route does not offer): no status from any server
            h2cCurl(grpcOrigin.url("/demo.v1.Echo/Refused"), "-H", grpc, "-H", "Nexus-Connection: someone-else",
                    "--data-binary", "call");
        }

        observeRecords(8);
        assertThat(proxy.harness().events().exchanges).filteredOn(r -> r.method().equals("POST"))
                .extracting(r -> r.path() + " " + r.protocol() + " " + r.grpc())
                .containsExactlyInAnyOrder(
                        "/demo.v1.Echo/Say h2c Grpc[method=/demo.v1.Echo/Say, status=7]",
                        "/demo.v1.Echo/Missing h2c Grpc[method=/demo.v1.Echo/Missing, status=12]",
                        "/not-a-method h2c Grpc[method=null, status=0]",
                        "/demo.v1.Echo/Refused h2c Grpc[method=/demo.v1.Echo/Refused, status=-1]");
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.audit().size() == 4);
        assertThat(proxy.audit()).extracting(e -> e.outcome().wireName() + " " + e.path() + " " + e.upstreamStatus()
                        + " " + e.protocol() + " " + e.grpcMethod() + " " + e.grpcStatus())
                .containsExactlyInAnyOrder(
                        "injected /demo.v1.Echo/Say 200 h2c /demo.v1.Echo/Say 7",
                        "injected /demo.v1.Echo/Missing 200 h2c /demo.v1.Echo/Missing 12",
                        "injected /not-a-method 200 h2c null 0",
                        "connection_not_allowed /demo.v1.Echo/Refused -1 h2c /demo.v1.Echo/Refused -1");
        assertThat(accessLogLine("/demo.v1.Echo/Say"))
                .endsWith(",\"protocol\":\"h2c\",\"grpc_method\":\"/demo.v1.Echo/Say\",\"grpc_status\":7}");
        assertThat(accessLogLine("/not-a-method")).endsWith(",\"protocol\":\"h2c\",\"grpc_method\":null,\"grpc_status\":0}");
        assertThat(accessLogLine("/demo.v1.Echo/Refused")).contains("\"status\":403")
                .endsWith(",\"grpc_method\":\"/demo.v1.Echo/Refused\",\"grpc_status\":null}");
        String route = InterceptingProxy.ROUTE;
        assertThat(value(registry, "nexus_grpc_requests", "route", route, "grpc_code", "PERMISSION_DENIED")).isEqualTo(1.0);
        assertThat(value(registry, "nexus_grpc_requests", "route", route, "grpc_code", "UNIMPLEMENTED")).isEqualTo(1.0);
        assertThat(value(registry, "nexus_grpc_requests", "route", route, "grpc_code", "OK")).isEqualTo(1.0);
        assertThat(value(registry, "nexus_grpc_requests", "route", route, "grpc_code", "none")).isEqualTo(1.0);
        assertThat(value(registry, "nexus_requests", "method", "POST", "status_class", "2xx", "route", route,
                "protocol", "h2c")).isEqualTo(3.0);
    }

    /**
     * A gRPC server's answers over HTTP/1.1: status 7 in chunked trailers for {@code Say}, a trailers-only
     * answer (status 12 in the head) for {@code Missing}, status 0 in trailers for anything else. One call per
     * connection, so the proxy never reuses one.
     */
    private static void answerAsGrpc(Socket socket, String head) throws IOException {
        String answer;
        if (head.startsWith("POST /demo.v1.Echo/Missing ")) {
            answer = "HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: 12\r\ncontent-length: 0\r\n"
                    + "connection: close\r\n\r\n";
        } else {
            String status = head.startsWith("POST /demo.v1.Echo/Say ") ? "7" : "0";
            answer = "HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ntransfer-encoding: chunked\r\n"
                    + "connection: close\r\n\r\n5\r\nreply\r\n0\r\ngrpc-status: " + status + "\r\n\r\n";
        }
        socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        socket.shutdownOutput();
    }
}
