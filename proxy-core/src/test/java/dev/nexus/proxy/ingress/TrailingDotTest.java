package dev.nexus.proxy.ingress;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fully qualified name ({@code allowed.test.}, {@code 127.0.0.1.}) reaches the same route, the same address
 * and the same {@code Host} as the name without the dot: the target parser removes it once for everyone.
 */
class TrailingDotTest {

    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = TestOrigin.start();
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
        LoadResult loaded = PolicyLoader.load(List.of(new SourceFile("policy.yaml", policy)));
        assertThat(loaded.errors()).isEmpty();
        proxy = ProxyHarness.builder()
                .policy(loaded.policy()::decide)
                .settings(b -> b.hostOverrides(Map.of("allowed.test", InetAddress.getLoopbackAddress())))
                .start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
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
