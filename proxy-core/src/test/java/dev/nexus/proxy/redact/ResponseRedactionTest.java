package dev.nexus.proxy.redact;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.RedactResponses;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.identity.AgentLabels;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.WebSocketFrames;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Through the real proxy: an origin that echoes what it received (headers, query, basic auth) never
 * hands the injected secret back to the agent, in any header, body or coding, and lengths stay right.
 */
class ResponseRedactionTest {

    static final String SECRET = "sk-live-0123456789abcdef";
    private static final String PASSWORD = "pw-Secr3t-basic";
    private static final String BASIC_PAIR = Base64.getEncoder()
            .encodeToString(("robot-user:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    private static final String QUERY_KEY = "qk live/with space+plus";
    private static final String QUERY_KEY_ENCODED = "qk%20live%2Fwith%20space%2Bplus";
    private static final String MASK = "*".repeat(SECRET.length());

    private final FixedLeases leases = new FixedLeases()
            .add("conn-header", new StrategySpec("header", Map.of("header_name", "X-API-Key")), v -> Map.of("api_key", SECRET))
            .add("conn-basic", StrategySpec.of("basic_auth"), v -> Map.of("username", "robot-user", "password", PASSWORD))
            .add("conn-query", new StrategySpec("query_param", Map.of("param_name", "key")), v -> Map.of("api_key", QUERY_KEY));
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private final List<String> agentSaw = new ArrayList<>();
    private TestOrigin origin;
    private ProxyHarness proxy;
    private LogCapture logs;

    @BeforeEach
    void start() throws Exception {
        logs = new LogCapture();
        origin = TestOrigin.start(TestOrigin.Responder.of(ResponseRedactionTest::respond));
        AgentServices agents = new AgentServices(null, audit::add, new AgentLabels(Set.of(), List.of()),
                new AgentMetrics(new PrometheusRegistry()), null);
        proxy = ProxyHarness.builder().policy(routeByPath()).injector(new CredentialInjector(leases)).agents(agents).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
        for (String seen : agentSaw) {
            assertThat(seen).doesNotContain(SECRET).doesNotContain(PASSWORD).doesNotContain(BASIC_PAIR)
                    .doesNotContain(QUERY_KEY_ENCODED).doesNotContain(QUERY_KEY);
        }
        assertThat(audit.toString()).doesNotContain(SECRET);
        String logged = logs.text();
        logs.close();
        assertThat(logged + proxy.events().redactions).doesNotContain(SECRET).doesNotContain(PASSWORD)
                .doesNotContain(BASIC_PAIR).doesNotContain(QUERY_KEY_ENCODED);
    }

    /** {@code /<connection>/[headers-only/]...}: the connection, and the route's redact_responses. */
    static PolicyDecider routeByPath() {
        return request -> {
            String connection = request.path().equals("/ws") ? "conn-header" : request.path().split("/")[1];
            RedactResponses mode = request.path().contains("/headers-only/") ? RedactResponses.HEADERS : RedactResponses.FULL;
            RouteOptions options = new RouteOptions(false, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false, mode);
            return new Decision.Inject("route-" + connection, "test", options, address -> true, connection, null);
        };
    }

    /** What the origin saw, as an echo endpoint would show it. */
    private static String echo(RecordedRequest request) {
        StringBuilder out = new StringBuilder("uri=").append(request.uri()).append('\n');
        request.headers().forEach(h -> out.append(h.getKey()).append(": ").append(h.getValue()).append('\n'));
        return out.toString();
    }

    private static FullHttpResponse respond(RecordedRequest request) {
        String uri = request.uri();
        String key = String.valueOf(request.header("x-api-key"));
        if (uri.endsWith("/headers")) {
            FullHttpResponse response = TestOrigin.text(HttpResponseStatus.OK, "see headers");
            response.headers().set("Location", "https://example.com/cb?key=" + key)
                    .add("Set-Cookie", "session=" + key + "; HttpOnly")
                    .add("Set-Cookie", "plain=1")
                    .set("WWW-Authenticate", "Bearer realm=\"" + key + "\"")
                    .set("Link", "<https://example.com/next?key=" + key + ">; rel=\"next\"");
            return response;
        }
        if (uri.contains("/redirect")) {
            FullHttpResponse response = TestOrigin.text(HttpResponseStatus.FOUND, "");
            response.headers().set("Location", "https://elsewhere.example/landing?" + URI.create(uri).getRawQuery());
            return response;
        }
        if (uri.contains("/gzip")) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(gzip(echo(request))));
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
            HttpUtil.setContentLength(response, response.content().readableBytes());
            return response;
        }
        if (uri.contains("/empty-coded")) {
            FullHttpResponse response = TestOrigin.text(HttpResponseStatus.OK, "");
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, "x-unknown");
            return response;
        }
        if (uri.contains("/aws-chunked-object")) {
            FullHttpResponse response = TestOrigin.text(HttpResponseStatus.OK, "stored object " + key);
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, "aws-chunked");
            return response;
        }
        if (uri.contains("/brotli")) {
            FullHttpResponse response = TestOrigin.text(HttpResponseStatus.OK, "not really brotli " + key);
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, "br");
            return response;
        }
        FullHttpResponse response = TestOrigin.text(HttpResponseStatus.OK, echo(request));
        if (uri.contains("/events")) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
        }
        return response;
    }

    private HttpResponse<byte[]> send(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(origin.url(path)));
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpResponse<byte[]> response = proxy.client().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        agentSaw.add(response.headers().map() + "\n" + new String(response.body(), StandardCharsets.ISO_8859_1));
        return response;
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static void assertLengthMatches(HttpResponse<byte[]> response) {
        assertThat(response.headers().firstValueAsLong("content-length")).hasValue(response.body().length);
    }

    @Test
    void anEchoedHeaderIsMaskedInTheBodyAndTheLengthStays() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/anything");
        assertThat(origin.lastRequest().header("x-api-key")).isEqualTo(SECRET);
        assertThat(text(response)).contains("X-API-Key: " + MASK);
        assertLengthMatches(response);
        await().untilAsserted(() -> assertThat(proxy.events().redactions).containsEntry("route-conn-header/body", 1L));
        await().untilAsserted(() -> assertThat(audit).filteredOn(e -> e.outcome() == AuditOutcome.REDACTED)
                .singleElement().satisfies(e -> {
                    assertThat(e.redactions()).isEqualTo(1);
                    assertThat(e.route()).isEqualTo("route-conn-header");
                    assertThat(e.connection()).isEqualTo("conn-header");
                }));
    }

    @Test
    void everyResponseHeaderIsScanned() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/headers");
        assertThat(response.headers().firstValue("location")).hasValue("https://example.com/cb?key=" + MASK);
        assertThat(response.headers().allValues("set-cookie")).containsExactly("session=" + MASK + "; HttpOnly", "plain=1");
        assertThat(response.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"" + MASK + "\"");
        assertThat(response.headers().firstValue("link")).hasValue("<https://example.com/next?key=" + MASK + ">; rel=\"next\"");
        await().untilAsserted(() -> assertThat(proxy.events().redactions).containsEntry("route-conn-header/header", 4L));
    }

    @Test
    void aRedirectCarryingTheQueryKeyIsMasked() throws Exception {
        HttpResponse<byte[]> response = send("/conn-query/redirect?page=2");
        assertThat(origin.lastRequest().uri()).endsWith("key=" + QUERY_KEY_ENCODED);
        assertThat(response.statusCode()).isEqualTo(302);
        assertThat(response.headers().firstValue("location"))
                .hasValue("https://elsewhere.example/landing?page=2&key=" + "*".repeat(QUERY_KEY_ENCODED.length()));
    }

    @Test
    void aQueryParamEchoIsMaskedInItsUrlEncodedForm() throws Exception {
        HttpResponse<byte[]> response = send("/conn-query/anything?x=1");
        assertThat(text(response)).contains("uri=/conn-query/anything?x=1&key=" + "*".repeat(QUERY_KEY_ENCODED.length()));
        assertLengthMatches(response);
    }

    @Test
    void aBasicAuthEchoIsMaskedInItsBase64Form() throws Exception {
        HttpResponse<byte[]> response = send("/conn-basic/anything");
        assertThat(origin.lastRequest().header("authorization")).isEqualTo("Basic " + BASIC_PAIR);
        assertThat(text(response)).contains("authorization: Basic " + "*".repeat(BASIC_PAIR.length()));
        assertLengthMatches(response);
    }

    @Test
    void aGzipBodyIsDecodedScannedAndReencoded() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/gzip", "Accept-Encoding", "br, gzip;q=0.8, zstd");
        assertThat(origin.lastRequest().header("accept-encoding")).isEqualTo("gzip;q=0.8");
        assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(response.headers().firstValue("content-length")).isEmpty();
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
        String body = gunzip(response.body());
        assertThat(body).contains("X-API-Key: " + MASK).doesNotContain(SECRET);
        agentSaw.add(body);
    }

    @Test
    void aCodingTheProxyCannotScanIsRefused() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/brotli", "Accept-Encoding", "br");
        assertThat(origin.lastRequest().header("accept-encoding")).isEqualTo("identity");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(text(response)).contains("\"error\":\"unscannable_response\"").contains("route-conn-header");
    }

    @Test
    void anEmptyBodyPassesWhateverCodingItNames() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/empty-coded");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-encoding")).hasValue("x-unknown");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void anObjectStoredFromAnAwsChunkedUploadIsScannedAsItIs() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/aws-chunked-object");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("stored object " + MASK);
    }

    @Test
    void serverSentEventsAreCountedAsSuch() throws Exception {
        HttpResponse<byte[]> response = send("/conn-header/events");
        assertThat(text(response)).contains("X-API-Key: " + MASK);
        await().untilAsserted(() -> assertThat(proxy.events().redactions).containsEntry("route-conn-header/sse", 1L));
    }

    @Test
    void headersOnlyRoutesLeaveTheBodyAlone() throws Exception {
        HttpResponse<byte[]> headers = send("/conn-header/headers-only/headers");
        assertThat(headers.headers().firstValue("location")).hasValue("https://example.com/cb?key=" + MASK);
        HttpResponse<String> body = proxy.client().send(HttpRequest.newBuilder(
                URI.create(origin.url("/conn-header/headers-only/anything"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(body.body()).contains("X-API-Key: " + SECRET); // the operator chose headers only
    }

    @Test
    void traceIsRefusedOnInjectRoutes() throws Exception {
        HttpResponse<byte[]> response = proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url("/conn-header/x")))
                .method("TRACE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(text(response)).contains("\"error\":\"method_not_allowed\"").contains("\"route\":\"route-conn-header\"");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void webSocketFramesFromTheOriginAreMasked() throws Exception {
        try (TestOrigin ws = TestOrigin.startWebSocketEcho(); RawConnection agent = new RawConnection(proxy.address())) {
            byte[] nonce = new byte[16];
            new SecureRandom().nextBytes(nonce);
            agent.send("GET http://127.0.0.1:" + ws.port() + "/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                    + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 101");
            // The agent cannot know the secret; sending it here only makes the origin's echo carry it.
            agent.send(WebSocketFrames.maskedText("tell me " + SECRET));
            byte[] frameHead = agent.readBytes(2);
            assertThat(frameHead[0] & 0xff).isEqualTo(0x81);
            String payload = new String(agent.readBytes(frameHead[1] & 0x7f), StandardCharsets.UTF_8);
            assertThat(payload).isEqualTo("echo: tell me " + MASK);
        }
    }

    @Test
    void aSecretInOneOfTheProxysOwnErrorAnswersIsMasked() {
        FullHttpResponse error = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY,
                Unpooled.copiedBuffer("{\"error\":\"bad_gateway\",\"detail\":\"origin said " + SECRET + "\"}",
                        StandardCharsets.UTF_8));
        HttpUtil.setContentLength(error, error.content().readableBytes());
        ResponseRedaction redaction = RedactionFixtures.redaction(SECRET, proxy.events());
        try {
            String body = redaction.error(error).content().toString(StandardCharsets.UTF_8);
            assertThat(body).contains("origin said " + MASK).doesNotContain(SECRET);
            assertThat(error.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(error.content().readableBytes());
        } finally {
            error.release();
        }
        redaction.finish(event -> audit.add(event.build()));
        assertThat(proxy.events().redactions).containsEntry("route-conn/error", 1L);
    }

    static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream zip = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return new String(zip.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
