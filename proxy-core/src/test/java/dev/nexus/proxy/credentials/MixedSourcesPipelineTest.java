package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.cache.LeaseCache;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.cache.MutableClock;
import dev.nexus.proxy.credentials.file.FileCredentialSource;
import dev.nexus.proxy.credentials.http.TlsFiles;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySource;
import dev.nexus.proxy.credentials.oauth2.OAuth2Connection;
import dev.nexus.proxy.credentials.oauth2.OAuth2CredentialSource;
import dev.nexus.proxy.credentials.oauth2.SecretSource;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTokenServer;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three credential sources in one proxy, chosen per connection: {@code github} from the local file,
 * {@code billing} from an OAuth 2 token endpoint ({@link TestTokenServer}, client credentials) and every other
 * connection from the Authority ({@link TestAuthority}), all behind one lease cache, with the JDK HttpClient
 * as agent and a real origin that checks the bearer tokens with the token server. Neither the logs nor any
 * response the agent saw may contain a secret.
 */
class MixedSourcesPipelineTest {

    private static final String CLIENT_SECRET = Secrets.MARKER + "-billing-client-secret";
    private static final String GITHUB_KEY = Secrets.MARKER + "-github-key";

    @TempDir
    Path dir;

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** Access tokens the origin refuses once, as if the API had revoked them. */
    private final Set<String> refusedAtOrigin = ConcurrentHashMap.newKeySet();
    private TestTokenServer tokenServer;
    private TestAuthority authority;
    private TestOrigin origin;
    private SourcesByConnection sources;
    private LeaseCache cache;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        tokenServer = scene.add(TestTokenServer.builder().tokenPrefix(Secrets.MARKER + "-").start());
        tokenServer.client("nexus-proxy", CLIENT_SECRET, TestTokenServer.AuthMethod.BASIC).allowScopes("invoices.read");
        authority = scene.authority();
        Secrets.grantTokens(authority, "crm");
        origin = scene.add(TestOrigin.start(TestOrigin.Responder.of(this::originAnswer)));

        Path credentials = dir.resolve("credentials.yaml");
        Files.writeString(credentials, "github:\n  strategy: {type: header, config: {header_name: Authorization,"
                + " value_prefix: \"token \"}}\n  credentials: {api_key: " + GITHUB_KEY + "}\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        Path secretFile = dir.resolve("billing-secret");
        Files.writeString(secretFile, CLIENT_SECRET);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));

        CredentialSource file = new FileCredentialSource(credentials, false);
        CredentialSource oauth2 = new OAuth2CredentialSource(List.of(OAuth2Connection.clientCredentials("billing",
                        tokenServer.tokenUri(), "nexus-proxy", SecretSource.file(secretFile)).withScopes(List.of("invoices.read"))),
                Duration.ofSeconds(2), Duration.ofSeconds(5), TlsFiles.jvmDefaults("oauth2 token endpoint"), clock);
        CredentialSource nexus = new NexusAuthoritySource(NexusAuthoritySettings.of(authority.baseUri(), Secrets.API_KEY),
                registry, clock);
        sources = scene.add(new SourcesByConnection(Map.of("github", file, "billing", oauth2), nexus));
        cache = scene.add(LeaseCache.builder(sources, registry).clock(clock).jitter(() -> 0.5)
                .settings(LeaseCacheSettings.defaults().toBuilder().backoff(Duration.ofSeconds(10), Duration.ofMinutes(1)).build())
                .build());
        proxy = scene.add(ProxyHarness.builder().policy(ProxyReplica.routeByPath())
                .injector(new CredentialInjector(cache)).start());
    }

    /** Billing requests need a bearer token the token server issued; everything else is accepted as it comes. */
    private FullHttpResponse originAnswer(RecordedRequest request) {
        if (request.uri().startsWith("/billing/")) {
            String authorization = String.valueOf(request.header("authorization"));
            String token = authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
            if (!tokenServer.issuedAccessToken(token) || refusedAtOrigin.remove(token)) {
                return TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "invalid token");
            }
        }
        return TestOrigin.text(HttpResponseStatus.OK, "ok");
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url(path)))
                .timeout(ProxyReplica.REQUEST_DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
        scene.agentSaw().add(response.statusCode() + " " + response.headers().map() + " " + response.body());
        return response;
    }

    private List<String> authorizationsSeen(String connection) {
        return origin.requests().stream().filter(r -> r.uri().startsWith("/" + connection + "/"))
                .map(r -> r.header("authorization")).toList();
    }

    @Test
    void eachConnectionGetsItsCredentialFromTheSourceThatServesIt() throws Exception {
        assertThat(get("/github/repos").statusCode()).isEqualTo(200);
        assertThat(get("/billing/invoices").statusCode()).isEqualTo(200);
        assertThat(get("/billing/invoices/2").statusCode()).isEqualTo(200);
        assertThat(get("/crm/contacts").statusCode()).isEqualTo(200);

        assertThat(authorizationsSeen("github")).containsExactly("token " + GITHUB_KEY);
        List<String> billing = authorizationsSeen("billing");
        assertThat(billing).hasSize(2).allSatisfy(value -> assertThat(value).startsWith("Bearer " + Secrets.MARKER + "-access-"));
        assertThat(billing.get(0)).isEqualTo(billing.get(1));
        assertThat(tokenServer.calls()).as("the second billing request is served from the lease cache").isEqualTo(1);
        assertThat(tokenServer.lastCall().field("scope")).isEqualTo("invoices.read");
        assertThat(authorizationsSeen("crm")).containsExactly(Secrets.authorization("crm", 0));
        assertThat(authority.calls(Endpoint.TOKEN, "crm")).isEqualTo(1);
        assertThat(authority.calls(Endpoint.TOKEN, "billing") + authority.calls(Endpoint.TOKEN, "github")).isZero();
    }

    @Test
    void anOriginRejectingTheTokenGetsAFreshOneAndTheRequestIsReplayed() throws Exception {
        assertThat(get("/billing/warm-up").statusCode()).isEqualTo(200);
        String first = authorizationsSeen("billing").get(0).substring(7);
        refusedAtOrigin.add(first);

        HttpResponse<String> response = get("/billing/invoices");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(tokenServer.calls()).isEqualTo(2);
        List<String> seen = authorizationsSeen("billing");
        assertThat(seen).hasSize(3);
        assertThat(seen.get(1)).isEqualTo("Bearer " + first);
        assertThat(seen.get(2)).isNotEqualTo(seen.get(1)).startsWith("Bearer " + Secrets.MARKER + "-access-");
    }

    @Test
    void aTokenEndpointErrorReachesTheAgentWithItsCodeAndIsNotAskedAgainAtOnce() throws Exception {
        tokenServer.failWith(400, "invalid_scope");

        HttpResponse<String> first = get("/billing/invoices");
        HttpResponse<String> second = get("/billing/invoices");

        assertThat(first.statusCode()).isEqualTo(502);
        assertThat(first.body()).contains("invalid_connection").contains("invalid_scope").contains("billing");
        assertThat(second.statusCode()).isEqualTo(502);
        assertThat(tokenServer.calls()).as("the answer is remembered for the negative-cache TTL").isEqualTo(1);
        assertThat(get("/github/repos").statusCode()).as("other sources are unaffected").isEqualTo(200);
    }

    @Test
    void anUnavailableTokenEndpointIsRetriedWithBackoffOnly() throws Exception {
        tokenServer.failWith(503, "temporarily_unavailable");

        HttpResponse<String> failed = get("/billing/invoices");
        HttpResponse<String> backingOff = get("/billing/invoices");

        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.body()).contains("authority_unavailable").contains("temporarily_unavailable");
        assertThat(backingOff.statusCode()).isEqualTo(503);
        assertThat(tokenServer.calls()).as("no call while the connection backs off").isEqualTo(1);
        assertThat(get("/crm/contacts").statusCode()).as("the Authority's connections are unaffected").isEqualTo(200);

        tokenServer.recover();
        clock.advance(Duration.ofSeconds(6)); // past the first delay: 10 s ceiling x jitter 0.5
        assertThat(get("/billing/invoices").statusCode()).isEqualTo(200);
        assertThat(tokenServer.calls()).isEqualTo(2);
    }

    @Test
    void theAuthoritysRateLimitHoldsOnlyTheConnectionsItServes() throws Exception {
        authority.respond("crm", TestAuthority.Reply.rateLimited(60));

        HttpResponse<String> limited = get("/crm/contacts");
        HttpResponse<String> stillLimited = get("/sales/leads");

        assertThat(limited.statusCode()).isEqualTo(503);
        assertThat(limited.body()).contains("authority_rate_limited");
        assertThat(limited.headers().firstValueAsLong("Retry-After").orElse(-1)).isBetween(1L, 60L);
        assertThat(stillLimited.statusCode()).as("another Authority connection waits too").isEqualTo(503);
        assertThat(authority.calls(Endpoint.TOKEN)).as("no Authority call before Retry-After").isEqualTo(1);
        assertThat(get("/github/repos").statusCode()).as("the file source is not the Authority").isEqualTo(200);
        assertThat(get("/billing/invoices").statusCode()).as("nor is the token endpoint").isEqualTo(200);
    }
}
