package dev.nexus.proxy.decision;

import dev.nexus.policy.match.ConnectionChoices;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.policy.pattern.ConnectionPattern;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Agents written for the reference sidecar, unchanged: {@code X-Nexus-Connection-ID} selects among the route's
 * {@code connection_choices} (and only there), and no {@code X-Nexus-*} header reaches the origin on any route.
 */
class NexusControlHeadersTest {

    private final FixedLeases leases = new FixedLeases();
    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = resources.add(TestOrigin.start());
        StrategySpec header = new StrategySpec("header", Map.of("header_name", "X-Key"));
        leases.add("shared-bot", header, v -> Map.of("api_key", "bot-key"))
                .add("user-alice", header, v -> Map.of("api_key", "alice-key"));
        ConnectionChoices users = new ConnectionChoices(ConnectionChoices.DEFAULT_HEADER,
                List.of(ConnectionPattern.parse("user-*")));
        PolicyDecider policy = request -> switch (request.path().split("/")[1]) {
            case "choosing" -> new Decision.Inject("choosing", "offers choices", RouteOptions.PASS_THROUGH,
                    address -> true, "shared-bot", null, users);
            case "fixed" -> new Decision.Inject("fixed", "no choice", RouteOptions.PASS_THROUGH,
                    address -> true, "shared-bot", null);
            default -> ProxyHarness.ALLOW_ALL.decide(request);
        };
        proxy = resources.add(ProxyHarness.builder().policy(policy).injector(new CredentialInjector(leases)).start());
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(origin.url(path)));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return proxy.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertNoNexusHeaders(RecordedRequest seen) {
        assertThat(seen.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("x-nexus-"));
    }

    @Test
    void xNexusConnectionIdSelectsAmongTheRoutesChoices() throws Exception {
        HttpResponse<String> response = get("/choosing/me", "X-Nexus-Connection-ID", "user-alice",
                "X-Nexus-Provider", "github", "X-Nexus-Trace", "t-1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(origin.lastRequest().header("x-key")).isEqualTo("alice-key");
        assertNoNexusHeaders(origin.lastRequest());
    }

    @Test
    void xNexusConnectionIdIsRefusedWhereTheRouteOffersNoChoice() throws Exception {
        HttpResponse<String> response = get("/fixed/me", "X-Nexus-Connection-ID", "user-alice");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("\"error\":\"connection_not_allowed\"").contains("user-alice");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void conflictingChoicesInBothHeadersAreRefused() throws Exception {
        HttpResponse<String> response = get("/choosing/me", "Nexus-Connection", "user-alice",
                "X-Nexus-Connection-ID", "user-bob");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void nexusHeadersNeverReachTheOriginOnAnAllowRoute() throws Exception {
        HttpResponse<String> response = get("/public/page", "X-Nexus-Connection-ID", "user-alice",
                "X-Nexus-Provider", "github", "X-Other", "kept");

        assertThat(response.statusCode()).isEqualTo(200);
        assertNoNexusHeaders(origin.lastRequest());
        assertThat(origin.lastRequest().header("x-other")).isEqualTo("kept");
    }
}
