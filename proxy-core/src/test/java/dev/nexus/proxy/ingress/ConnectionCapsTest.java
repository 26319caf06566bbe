package dev.nexus.proxy.ingress;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Agent connections are bounded: beyond the per-source or total cap a new connection is answered 503 and
 * closed, refusals are logged once per interval, and a connection that never sends a byte is cut by the
 * request-header timeout rather than held until the idle timeout.
 */
class ConnectionCapsTest {

    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void startOrigin() throws Exception {
        origin = TestOrigin.start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        origin.close();
    }

    private String get() {
        return "GET " + origin.url("/x") + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @Test
    void connectionsBeyondThePerSourceCapGet503AndTheCapFreesWhenOneCloses() throws Exception {
        proxy = ProxyHarness.start(b -> b.connectionLimits(new ProxySettings.ConnectionLimits(2, 0)),
                ProxyHarness.ALLOW_ALL);
        List<RawConnection> held = new ArrayList<>();
        try (LogCapture logs = new LogCapture(ConnectionAdmission.class.getName())) {
            for (int i = 0; i < 2; i++) {
                RawConnection agent = new RawConnection(proxy.address());
                held.add(agent);
                agent.send(get());
                assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
            }
            for (int i = 0; i < 3; i++) {
                try (RawConnection refused = new RawConnection(proxy.address())) {
                    String answer = refused.readUntilClosed();
                    assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable")
                            .contains("\"error\":\"too_many_connections\"");
                }
            }
            assertThat(origin.requests()).hasSize(2);
            assertThat(logs.lines()).hasSize(1);
            assertThat(logs.text()).contains("per-source connection limit (2)").contains("127.0.0.1");

            held.remove(0).close();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (RawConnection again = new RawConnection(proxy.address())) {
                    again.send(get());
                    return again.readHead().startsWith("HTTP/1.1 200");
                } catch (IOException refusedStill) {
                    return false;
                }
            });
        } finally {
            for (RawConnection agent : held) {
                agent.close();
            }
        }
    }

    @Test
    void theTotalCapCountsEveryConnection() throws Exception {
        proxy = ProxyHarness.start(b -> b.connectionLimits(new ProxySettings.ConnectionLimits(0, 1)),
                ProxyHarness.ALLOW_ALL);
        try (RawConnection first = new RawConnection(proxy.address());
             RawConnection second = new RawConnection(proxy.address())) {
            assertThat(second.readUntilClosed()).startsWith("HTTP/1.1 503");
            first.send(get());
            assertThat(first.readHead()).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsCutByTheHeaderTimeoutNotTheIdleTimeout() throws Exception {
        proxy = ProxyHarness.start(b -> b.requestHeaderTimeout(Duration.ofMillis(300))
                .clientIdleTimeout(Duration.ofSeconds(60)), ProxyHarness.ALLOW_ALL);
        try (RawConnection silent = new RawConnection(proxy.address())) {
            long started = System.nanoTime();
            String answer = silent.readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aPromptFirstRequestIsNotCutByTheTimerStartedAtAccept() throws Exception {
        proxy = ProxyHarness.start(b -> b.requestHeaderTimeout(Duration.ofMillis(500)), ProxyHarness.ALLOW_ALL);
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(get());
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
            assertThat(new String(agent.readBytes(17), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello from origin");
            // Keep-alive: the next request is not due within the header timeout, only within the idle timeout.
            await().pollDelay(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> true);
            agent.send(get());
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
    }
}
