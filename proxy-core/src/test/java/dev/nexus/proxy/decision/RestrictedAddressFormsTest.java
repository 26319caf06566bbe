package dev.nexus.proxy.decision;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behind the default {@code allow} (public destinations only), IPv6 spellings of restricted IPv4 addresses and
 * the IANA special-purpose ranges are refused before anything is dialled, whether the agent writes the literal
 * or a name resolves to it.
 */
class RestrictedAddressFormsTest {

    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = resources.add(TestOrigin.start());
        String policy = """
                version: 1
                defaults: {action: allow}
                routes: []
                """;
        Map<String, InetAddress> overrides = Map.of(
                "compat.test", InetAddress.getByName("::7f00:1"),
                "docs.test", InetAddress.getByName("192.0.2.10"));
        proxy = resources.add(ProxyHarness.builder()
                .policyYaml(policy)
                .settings(b -> b.hostOverrides(overrides))
                .start());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::7f00:1]", "[::ffff:0:7f00:1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[100::1]",
            "[2001:db8::1]", "192.0.2.1", "198.51.100.1", "203.0.113.1", "compat.test", "docs.test"})
    void isRefusedAs403WithoutDialling(String host) throws Exception {
        for (String request : List.of(
                "GET http://" + host + ":" + origin.port() + "/ HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
                "CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n")) {
            try (RawConnection agent = new RawConnection(proxy.address())) {
                agent.send(request);
                assertThat(agent.readUntilClosed()).as(request)
                        .startsWith("HTTP/1.1 403").contains("destination_not_permitted");
            }
        }
        assertThat(proxy.events().upstreamOpened).hasValue(0);
        assertThat(origin.requests()).isEmpty();
    }
}
