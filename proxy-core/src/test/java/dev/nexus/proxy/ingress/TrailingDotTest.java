package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fully qualified name ({@code allowed.test.}, {@code 127.0.0.1.}) reaches the same route, the same address
 * and the same {@code Host} as the name without the dot: the target parser removes it once for everyone.
 */
class TrailingDotTest {

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
                  - name: local-origin
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d]}
                    action: allow
                  - name: friendly-name
                    match: {hosts: [allowed.test], ports: [%1$d]}
                    action: allow
                    allow_private_cidrs: ["127.0.0.0/8"]
                """.formatted(origin.port());
        proxy = resources.add(ProxyHarness.builder()
                .policyYaml(policy)
                .settings(b -> b.hostOverrides(Map.of("allowed.test", InetAddress.getLoopbackAddress())))
                .start());
    }

    @Test
    void aForwardedRequestToANameWithATrailingDotIsRoutedResolvedAndSentWithoutIt() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET http://allowed.test.:" + origin.port() + "/ok HTTP/1.1\r\nHost: allowed.test.:"
                    + origin.port() + "\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.lastRequest().header("host")).isEqualTo("allowed.test:" + origin.port());
    }

    @Test
    void aConnectToAnIpv4LiteralWithATrailingDotCarriesRequests() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("CONNECT 127.0.0.1.:" + origin.port() + " HTTP/1.1\r\nHost: 127.0.0.1.:" + origin.port() + "\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
            agent.send("GET /inside HTTP/1.1\r\nHost: 127.0.0.1:" + origin.port() + "\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.lastRequest().uri()).isEqualTo("/inside");
    }
}
