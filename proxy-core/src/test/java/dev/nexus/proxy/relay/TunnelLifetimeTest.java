package dev.nexus.proxy.relay;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.proxy.streams.StreamKind;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** CONNECT tunnels are listed while open and closed when their route's {@code max_tunnel_lifetime} passes. */
class TunnelLifetimeTest {

    @RegisterExtension
    final TestResources resources = new TestResources();
    private ProxyHarness proxy;
    private TestOrigin origin;

    private void start(Duration maxTunnelLifetime) throws Exception {
        origin = resources.add(TestOrigin.start());
        RouteOptions options = new RouteOptions(false, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false,
                new RouteOptions.Lifetimes(null, false, maxTunnelLifetime));
        proxy = resources.add(ProxyHarness.builder()
                .policy(request -> new Decision.Allow("tunnels", "test", options, address -> true)).start());
    }

    private RawConnection tunnel() throws Exception {
        RawConnection agent = new RawConnection(proxy.address());
        agent.send("CONNECT 127.0.0.1:" + origin.port() + " HTTP/1.1\r\nHost: 127.0.0.1:" + origin.port() + "\r\n\r\n");
        assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        agent.send("GET /through HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        agent.readBytes("hello from origin".length());
        return agent;
    }

    @Test
    void aTunnelIsClosedWhenItsRouteLifetimePasses() throws Exception {
        start(Duration.ofMillis(800));
        Instant opened = Instant.now();
        try (RawConnection agent = tunnel()) {
            assertThat(proxy.server().streams().view()).singleElement().satisfies(open -> {
                assertThat(open.kind()).isEqualTo(StreamKind.TUNNEL);
                assertThat(open.info().route()).isEqualTo("tunnels");
                assertThat(open.info().connectionId()).as("a tunnel carries no credential of ours").isNull();
            });
            assertThat(agent.closedByPeer()).isTrue();
            assertThat(Duration.between(opened, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> proxy.server().streams().size() == 0);
    }

    @Test
    void withoutALimitTheTunnelStaysUntilTheAgentLeaves() throws Exception {
        start(null);
        RawConnection agent = tunnel();
        assertThat(proxy.server().streams().size()).isEqualTo(1);
        agent.close();
        await().atMost(Duration.ofSeconds(2)).until(() -> proxy.server().streams().size() == 0);
    }
}
