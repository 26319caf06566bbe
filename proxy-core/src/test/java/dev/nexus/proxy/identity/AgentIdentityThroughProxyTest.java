package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Authenticator;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agents identified by {@code Proxy-Authorization} against a hashed agents file, per-agent routes,
 * on-behalf-of connection selection, and the audit trail, through the real proxy.
 */
class AgentIdentityThroughProxyTest {

    private static final String BILLING_SECRET = "billing-agent-password";
    private static final String SUPPORT_SECRET = "support-agent-password";
    private static final String USER_A_TOKEN = "token-of-user-a";

    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private TestOrigin origin;
    private ProxyHarness proxy;
    private ProxyAuthenticator authenticator;

    @BeforeEach
    void start() throws Exception {
        origin = TestOrigin.start(TestOrigin.Responder.of(request -> TestOrigin.text(HttpResponseStatus.OK,
                "auth=" + request.header("authorization") + " selector=" + request.header("nexus-connection"))));
        String policy = """
                version: 1
                defaults: {action: deny}
                routes:
                  - name: billing-api
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], agents: [billing-bot]}
                    action: inject
                    connection_choices: ["user-*"]
                  - name: support-read-only
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], agents: [support-bot], methods: [GET]}
                    action: allow
                """.formatted(origin.port());
        AgentsFile agents = AgentsFile.of(Map.of(
                "billing-bot", Pbkdf2Hash.create(BILLING_SECRET.toCharArray(), 10_000),
                "support-bot", Pbkdf2Hash.create(SUPPORT_SECRET.toCharArray(), 10_000)));
        authenticator = new ProxyAuthenticator(agents, 1, 100, Duration.ofMinutes(1));
        IdentityResolver resolver = new IdentityResolver(List.of(AgentIdentity.Method.PROXY_AUTH), authenticator,
                SourceIdentities.parse(Map.of()));
        AgentServices services = new AgentServices(resolver, audit::add,
                new AgentLabels(Set.of("billing-bot", "support-bot"), List.of()),
                new AgentMetrics(new PrometheusRegistry()), null);
        FixedLeases leases = new FixedLeases()
                .add("user-a", StrategySpec.of("oauth2"), v -> Map.of("access_token", USER_A_TOKEN))
                .add("user-b", StrategySpec.of("oauth2"), v -> Map.of("access_token", "token-of-user-b"));
        proxy = ProxyHarness.builder().policyYaml(policy).agents(services)
                .injector(new CredentialInjector(leases)).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
        resolverClose();
    }

    private void resolverClose() {
        authenticator.close();
    }

    private HttpClient agent(String name, String secret) {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.address()))
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return new PasswordAuthentication(name, secret.toCharArray());
                    }
                }).build();
    }

    private HttpResponse<String> get(HttpClient client, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(origin.url(path)));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void curlWithoutCredentialsGets407AndWithCredentialsGetsThrough() throws Exception {
        assertThat(curl()).isEqualTo("407");
        assertThat(curl("--proxy-user", "support-bot:" + SUPPORT_SECRET)).isEqualTo("200");
        assertThat(curl("--proxy-user", "support-bot:wrong")).isEqualTo("407");
        assertThat(origin.requests()).hasSize(1);
        assertThat(audit).extracting(AuditEvent::outcome).contains(AuditOutcome.PROXY_AUTH_REQUIRED);
    }

    /** The status curl saw for GET /tickets through the proxy, with {@code extra} arguments. */
    private String curl(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-x", proxy.proxyUrl(), "-w", "%{http_code}", "-o", "/dev/null"));
        args.addAll(List.of(extra));
        args.add(origin.url("/tickets"));
        Curl.Result curl = Curl.run(args.toArray(String[]::new));
        assertThat(curl.stderr()).isEmpty();
        return curl.stdout();
    }

    @Test
    void eachAgentGetsOnlyItsOwnRoutes() throws Exception {
        HttpResponse<String> support = get(agent("support-bot", SUPPORT_SECRET), "/tickets");
        assertThat(support.statusCode()).isEqualTo(200);
        HttpResponse<String> supportWrites = agent("support-bot", SUPPORT_SECRET).send(HttpRequest.newBuilder(
                URI.create(origin.url("/tickets"))).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(supportWrites.statusCode()).isEqualTo(403);
        assertThat(audit).anyMatch(event -> event.outcome() == AuditOutcome.DENIED
                && event.agent() != null && "support-bot".equals(event.agent().name()));
    }

    @Test
    void anAgentActsOnBehalfOfAUserItMaySelect() throws Exception {
        HttpResponse<String> response = get(agent("billing-bot", BILLING_SECRET), "/invoices", "Nexus-Connection", "user-a");
        assertThat(response.statusCode()).isEqualTo(200);
        // The origin echoes what it got; the proxy masks the injected token in the echo, byte for byte.
        assertThat(response.body()).isEqualTo("auth=Bearer " + "*".repeat(USER_A_TOKEN.length()) + " selector=null");
        assertThat(audit).anyMatch(event -> event.outcome() == AuditOutcome.INJECTED
                && "user-a".equals(event.connection()) && "billing-bot".equals(event.agent().name()));
    }

    @Test
    void aConnectionTheRouteDoesNotOfferIsRefused() throws Exception {
        HttpResponse<String> response = get(agent("billing-bot", BILLING_SECRET), "/invoices", "Nexus-Connection", "admin");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("\"error\":\"connection_not_allowed\"");
        assertThat(origin.requests()).isEmpty();
        assertThat(audit).extracting(AuditEvent::outcome).contains(AuditOutcome.CONNECTION_NOT_ALLOWED);
    }

    @Test
    void auditEventsNeverCarrySecretsOrQueryStrings() throws Exception {
        get(agent("billing-bot", BILLING_SECRET), "/invoices?page=2&key=abc", "Nexus-Connection", "user-a");
        assertThat(curl("--proxy-user", "billing-bot:" + BILLING_SECRET + "-wrong")).isEqualTo("407");
        String everything = audit.toString();
        assertThat(everything).doesNotContain(USER_A_TOKEN).doesNotContain(BILLING_SECRET).doesNotContain("key=abc");
    }
}
