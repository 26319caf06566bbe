package dev.nexus.proxy.decision;

import dev.nexus.proxy.observe.AccessLogFormatter;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real compiled policy in front of the proxy: deny names the route, no match means default deny, allow
 * forwards and tunnels, and host names that resolve to loopback or cloud metadata addresses are refused
 * unless the route names that range.
 */
class PolicyEnforcementTest {

    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = resources.add(TestOrigin.start());
        String policy = """
                version: 1
                defaults: {action: deny}
                routes:
                  - name: blocked-admin
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], paths: ["/admin/**"]}
                    action: deny
                    message: admin pages are off limits
                  - name: local-origin
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d]}
                    action: allow
                  - name: friendly-name
                    match: {hosts: [allowed.test], ports: [%1$d]}
                    action: allow
                    allow_private_cidrs: ["127.0.0.0/8"]
                  - name: rebinding-name
                    match: {hosts: [rebind.test, metadata.test], ports: [%1$d, 80]}
                    action: allow
                """.formatted(origin.port());
        proxy = resources.add(ProxyHarness.builder()
                .policyYaml(policy)
                .settings(b -> b.hostOverrides(Map.of(
                        "allowed.test", InetAddress.getLoopbackAddress(),
                        "rebind.test", InetAddress.getLoopbackAddress(),
                        "metadata.test", address("169.254.169.254"))))
                .start());
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void allowRouteForwards() throws Exception {
        HttpResponse<String> response = get(origin.url("/public"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from origin");
    }

    @Test
    void denyRouteIs403NamingTheRouteAndItsMessage() throws Exception {
        HttpResponse<String> response = get(origin.url("/admin/users"));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("\"error\":\"denied\"").contains("\"route\":\"blocked-admin\"")
                .contains("admin pages are off limits");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void pathTricksDoNotDodgeADenyRoute() throws Exception {
        for (String path : List.of("/public/../admin/users", "/%61dmin/users", "//admin/users")) {
            try (RawConnection agent = new RawConnection(proxy.address())) {
                agent.send("GET " + origin.url(path) + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(agent.readHead()).as(path).startsWith("HTTP/1.1 403");
            }
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void noMatchingRouteIsDefaultDeny() throws Exception {
        HttpResponse<String> response = get("http://unknown.example/");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("default deny");
    }

    @Test
    void connectToADeniedDestinationIs403AndClosed() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("CONNECT unknown.example:443 HTTP/1.1\r\nHost: unknown.example:443\r\n\r\n");
            String response = agent.readUntilClosed();
            assertThat(response).startsWith("HTTP/1.1 403").contains("default deny");
        }
    }

    @Test
    void aRouteMayReachLoopbackOnlyWhenItNamesTheRange() throws Exception {
        assertThat(get("http://allowed.test:" + origin.port() + "/ok").statusCode()).isEqualTo(200);
        HttpResponse<String> rebound = get("http://rebind.test:" + origin.port() + "/steal");
        assertThat(rebound.statusCode()).isEqualTo(403);
        assertThat(rebound.body()).contains("\"error\":\"destination_not_permitted\"").contains("127.0.0.1");
    }

    @Test
    void anAddressCheckRefusalIsLoggedAsRefusedWithoutAnUpstreamConnectTime() throws Exception {
        assertThat(get("http://rebind.test:" + origin.port() + "/steal").statusCode()).isEqualTo(403);
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("CONNECT rebind.test:" + origin.port() + " HTTP/1.1\r\nHost: rebind.test\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 403");
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.events().exchanges.size() >= 2);
        assertThat(proxy.events().exchanges).allSatisfy(record -> {
            StringBuilder line = new StringBuilder();
            AccessLogFormatter.format(record, line);
            assertThat(line.toString()).as(record.method()).contains("\"status\":403")
                    .contains("\"upstream_connect_ms\":null").contains("\"route\":\"rebinding-name\"")
                    .contains("\"decision\":\"refused\"");
        });
        assertThat(proxy.events().exchanges).extracting(ExchangeRecord::method).containsExactlyInAnyOrder("GET", "CONNECT");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void anAllowedExchangeKeepsItsDecisionAndConnectTime() throws Exception {
        assertThat(get(origin.url("/public")).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).until(() -> !proxy.events().exchanges.isEmpty());
        ExchangeRecord record = proxy.events().exchanges.get(0);
        assertThat(record.decision()).isEqualTo("allow");
        assertThat(record.upstreamConnectNanos()).isPositive();
    }

    @Test
    void cloudMetadataAddressBehindAHostNameIsRefused() throws Exception {
        HttpResponse<String> response = get("http://metadata.test/latest/meta-data/");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("169.254.169.254");
    }
}
