package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credentials injected on {@code inject} routes, end to end: the agent sends plain (or placeholder)
 * requests through the proxy, the origin sees exactly the injected credentials.
 */
class InjectionTest {

    private static final String SECRET = "s3cr3t-value-never-logged";

    private final FixedLeases leases = new FixedLeases();
    private final List<String> agentResponses = new ArrayList<>();
    private TestOrigin origin;
    private ProxyHarness proxy;
    private LogCapture logs;
    private volatile boolean rejectFirstCredential;

    @BeforeEach
    void start() throws Exception {
        logs = new LogCapture();
        origin = TestOrigin.start(TestOrigin.Responder.of(this::respond));
        leases.add("conn-header", new StrategySpec("header", Map.of("header_name", "X-API-Key")),
                        v -> Map.of("api_key", SECRET + "-" + v))
                .add("conn-bearer", StrategySpec.of("oauth2"), v -> Map.of("access_token", SECRET + "-" + v))
                .add("conn-query", new StrategySpec("query_param", Map.of("param_name", "key")),
                        v -> Map.of("api_key", SECRET + " &=" + v))
                .add("conn-basic", StrategySpec.of("basic_auth"), v -> Map.of("username", "bot", "password", SECRET))
                .add("conn-hmac", new StrategySpec("hmac_payload", Map.of("header_name", "X-Signature")),
                        v -> Map.of("api_secret", SECRET))
                .add("conn-sigv4", new StrategySpec("aws_sigv4", Map.of("service", "s3", "region", "eu-west-1")),
                        v -> Map.of("access_key", "AKIDREAL", "secret_key", SECRET))
                .add("conn-missing", new StrategySpec("header", Map.of("credential_field", "token")),
                        v -> Map.of("api_key", SECRET))
                .failWith("conn-revoked", CredentialException.Kind.REVOKED)
                .failWith("conn-down", CredentialException.Kind.UNAVAILABLE);
        proxy = ProxyHarness.builder().policy(routeByPath()).injector(new CredentialInjector(leases)).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
        String everything = logs.text() + String.join("\n", agentResponses);
        logs.close();
        assertThat(everything).doesNotContain(SECRET);
    }

    /** The first path segment names the connection, e.g. {@code /conn-header/...}; small bodies for hmac routes. */
    private static PolicyDecider routeByPath() {
        return request -> {
            String connection = request.path().split("/")[1];
            RouteOptions options = new RouteOptions(false, List.of("X-Internal-Debug"), null, 64, false);
            return new Decision.Inject("route-" + connection, "test route for " + connection, options,
                    address -> true, connection, null);
        };
    }

    private FullHttpResponse respond(RecordedRequest request) {
        if (rejectFirstCredential && String.valueOf(request.header("x-api-key")).endsWith("-1")) {
            return TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "stale credential");
        }
        if (request.uri().contains("/always-401")) {
            return TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "no");
        }
        if (request.uri().contains("/redirect")) {
            FullHttpResponse redirect = TestOrigin.text(HttpResponseStatus.FOUND, "");
            redirect.headers().set("Location", "http://elsewhere.example/landing");
            return redirect;
        }
        return TestOrigin.text(HttpResponseStatus.OK, "ok");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = proxy.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
        agentResponses.add(response.headers().map() + " " + response.body());
        return response;
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(origin.url(path)));
    }

    @Test
    void headerStrategyReplacesWhateverTheAgentSent() throws Exception {
        HttpResponse<String> response = send(get("/conn-header/repos").header("X-API-Key", "agent-guess")
                .header("X-Internal-Debug", "strip me"));
        assertThat(response.statusCode()).isEqualTo(200);
        RecordedRequest seen = origin.lastRequest();
        assertThat(seen.headers().getAll("x-api-key")).containsExactly(SECRET + "-1");
        assertThat(seen.headers().contains("x-internal-debug")).isFalse();
    }

    @Test
    void theOriginReceivesExactlyTheExpectedBytes() throws Exception {
        try (ScriptedOrigin raw = new ScriptedOrigin(socket -> {
            socket.getOutputStream().write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        });
             RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET http://127.0.0.1:" + raw.port() + "/conn-header/x?a=1&b=%20 HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + raw.port() + "\r\nUser-Agent: agent/1.0\r\nX-API-Key: agent-guess\r\n"
                    + "Accept: */*\r\nProxy-Connection: keep-alive\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 204");
            assertThat(raw.requestHeads()).containsExactly("GET /conn-header/x?a=1&b=%20 HTTP/1.1\r\n"
                    + "User-Agent: agent/1.0\r\nAccept: */*\r\nhost: 127.0.0.1:" + raw.port() + "\r\n"
                    + "via: 1.1 nexus-proxy\r\nX-API-Key: " + SECRET + "-1\r\n\r\n");
        }
    }

    @Test
    void oauth2SetsTheBearerToken() throws Exception {
        send(get("/conn-bearer/me").header("Authorization", "Bearer placeholder"));
        assertThat(origin.lastRequest().headers().getAll("authorization")).containsExactly("Bearer " + SECRET + "-1");
    }

    @Test
    void queryParamIsEncodedAndTheRestOfTheQueryIsUntouched() throws Exception {
        send(get("/conn-query/search?q=a+b&key=agent&x=%2F"));
        assertThat(origin.lastRequest().uri())
                .isEqualTo("/conn-query/search?q=a+b&x=%2F&key=s3cr3t-value-never-logged%20%26%3D1");
    }

    @Test
    void basicAuth() throws Exception {
        send(get("/conn-basic/"));
        String expected = Base64.getEncoder().encodeToString(("bot:" + SECRET).getBytes(StandardCharsets.UTF_8));
        assertThat(origin.lastRequest().header("authorization")).isEqualTo("Basic " + expected);
    }

    @Test
    void hmacSignsTheExactBodyTheOriginReceives() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("POST " + origin.url("/conn-hmac/hook") + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "X-Signature: forged\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
        RecordedRequest seen = origin.lastRequest();
        assertThat(seen.bodyText()).isEqualTo("{\"a\":1}");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(seen.headers().getAll("x-signature"))
                .containsExactly(HexFormat.of().formatHex(mac.doFinal(seen.body())));
        assertThat(seen.header("content-length")).isEqualTo("7");
    }

    @Test
    void bodiesLargerThanTheRouteLimitGet413() throws Exception {
        HttpResponse<String> response = send(get("/conn-hmac/big").POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("\"error\":\"request_too_large\"").contains("at most 64 bytes");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void sigv4ReplacesThePlaceholderSignature() throws Exception {
        send(get("/conn-sigv4/bucket/key").PUT(HttpRequest.BodyPublishers.ofString("data"))
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=nexus-placeholder/20200101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
                .header("X-Amz-Date", "20200101T000000Z"));
        RecordedRequest seen = origin.lastRequest();
        String authorization = seen.header("authorization");
        assertThat(authorization).startsWith("AWS4-HMAC-SHA256 Credential=AKIDREAL/")
                .contains("/eu-west-1/s3/aws4_request").doesNotContain("nexus-placeholder");
        assertThat(seen.headers().getAll("x-amz-date")).hasSize(1).doesNotContain("20200101T000000Z");
        assertThat(seen.header("x-amz-content-sha256")).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest("data".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void unauthorizedOriginTriggersOneRefreshAndOneReplay() throws Exception {
        rejectFirstCredential = true;
        HttpResponse<String> response = send(get("/conn-header/rotate"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(leases.refreshCalls.get()).isEqualTo(1);
        assertThat(origin.requests()).hasSize(2);
        assertThat(origin.lastRequest().header("x-api-key")).isEqualTo(SECRET + "-2");
    }

    @Test
    void aRefreshedCredentialThatIsStillRefusedReachesTheAgentWithoutALoop() throws Exception {
        HttpResponse<String> response = send(get("/conn-header/always-401"));
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(leases.refreshCalls.get()).isEqualTo(1);
        assertThat(origin.requests()).hasSize(2);
    }

    @Test
    void revokedConnectionIs403NamingRouteAndConnection() throws Exception {
        HttpResponse<String> response = send(get("/conn-revoked/x"));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("\"error\":\"connection_revoked\"")
                .contains("\"route\":\"route-conn-revoked\"").contains("\"connection\":\"conn-revoked\"");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void authorityOutageWithoutCachedCredentialsIs503() throws Exception {
        HttpResponse<String> response = send(get("/conn-down/x"));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("\"error\":\"authority_unavailable\"");
    }

    @Test
    void missingCredentialFieldIs502NamingRouteStrategyAndField() throws Exception {
        HttpResponse<String> response = send(get("/conn-missing/x"));
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("\"route\":\"route-conn-missing\"").contains("\"strategy\":\"header\"")
                .contains("\"field\":\"token\"");
    }

    @Test
    void redirectsArePassedBackNotFollowed() throws Exception {
        HttpResponse<String> response = send(get("/conn-header/redirect"));
        assertThat(response.statusCode()).isEqualTo(302);
        assertThat(response.headers().firstValue("location")).hasValue("http://elsewhere.example/landing");
        assertThat(origin.requests()).hasSize(1);
    }
}
