package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.NodeAgent;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.LeafKeyType;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * What an agent sends inside an intercepted CONNECT besides TLS: plain HTTP/1.1 (Node's fetch, curl -p for
 * http URLs) is served as a plain-HTTP request to the CONNECT target, with policy, injection and the
 * Host check; anything else, and silence, close the tunnel with a log line naming the route.
 */
class InsideConnectTest {

    private static final Duration HELLO_TIMEOUT = Duration.ofMillis(700);

    @TempDir
    Path dir;
    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private InterceptingProxy proxy;
    private LogCapture logs;

    @BeforeEach
    void start() throws Exception {
        origin = resources.add(TestOrigin.start(TestOrigin.Responder.of(request -> TestOrigin.text(
                HttpResponseStatus.OK, "key=" + request.header("x-api-key") + " host=" + request.header("host")
                        + " path=" + request.uri()))));
        proxy = resources.add(new InterceptingProxy(dir, null, new InterceptionSettings(LeafKeyType.ECDSA_P256,
                Duration.ofHours(24), 100, 1, HELLO_TIMEOUT), b -> b));
        logs = resources.add(new LogCapture(TunnelContentClassifier.class.getName()));
    }

    private String authority() {
        return "127.0.0.1:" + origin.port();
    }

    private RawConnection connect() throws Exception {
        RawConnection raw = new RawConnection(proxy.harness().address());
        raw.send("CONNECT " + authority() + " HTTP/1.1\r\nHost: " + authority() + "\r\n\r\n");
        assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
        return raw;
    }

    @Test
    void plainHttpInsideTheTunnelIsServedWithInjectionAndDecidedAsHttp() throws Exception {
        try (RawConnection raw = connect()) {
            raw.send("GET /inside?q=1 HTTP/1.1\r\nHost: " + authority() + "\r\nX-API-Key: agent-guess\r\n\r\n");
            String head = raw.readHead();
            assertThat(head).startsWith("HTTP/1.1 200");
            String body = new String(raw.readBytes(contentLength(head)));
            assertThat(body).isEqualTo("key=" + InterceptingProxy.ECHOED_SECRET + " host=" + authority() + " path=/inside?q=1");
            // a second request on the same tunnel is served too
            raw.send("GET /again HTTP/1.1\r\nHost: " + authority() + "\r\n\r\n");
            assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(proxy.policyRequests()).extracting(r -> r.method() + " " + r.scheme() + " " + r.path())
                .containsExactly("CONNECT https null", "GET http /inside", "GET http /again");
    }

    @Test
    void aRequestSentInTheSameWriteAsTheConnectIsServed() throws Exception {
        try (RawConnection raw = new RawConnection(proxy.harness().address())) {
            raw.send("CONNECT " + authority() + " HTTP/1.1\r\nHost: " + authority() + "\r\n\r\n"
                    + "GET /eager HTTP/1.1\r\nHost: " + authority() + "\r\nConnection: close\r\n\r\n");
            assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
            assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.lastRequest().uri()).isEqualTo("/eager");
    }

    @Test
    void aHostHeaderOtherThanTheConnectTargetIsRefused() throws Exception {
        try (RawConnection raw = connect()) {
            raw.send("GET /x HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n");
            assertThat(raw.readUntilClosed()).startsWith("HTTP/1.1 400")
                    .contains("does not name the tunnel's destination");
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void unknownBytesCloseTheTunnelWithALogLineNamingRouteAndBytes() throws Exception {
        try (RawConnection raw = connect()) {
            raw.send("\u0000\u0001SSH-ish then a secret-after-eight-bytes\r\n");
            assertThat(raw.closedByPeer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("closing CONNECT tunnel"));
        assertThat(logs.text()).contains(authority() + " (route \"api\")").contains("sent neither TLS nor HTTP")
                .contains("0x0001535348").doesNotContain("secret");
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void silenceClosesTheTunnelAfterTheHelloTimeoutWithALogLine() throws Exception {
        try (RawConnection raw = connect()) {
            long start = System.nanoTime();
            assertThat(raw.closedByPeer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(HELLO_TIMEOUT.minusMillis(50));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("sent nothing within 700 ms"));
    }

    @Test
    void aRequestLineThatStopsHalfwayIsNotWaitedForForever() throws Exception {
        try (RawConnection raw = connect()) {
            raw.send("GE");
            assertThat(raw.closedByPeer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("sent only 2 bytes (0x4745)"));
    }

    @Test
    void curlProxytunnelForAnHttpUrl() throws Exception {
        assumeThat(Curl.installed()).as("curl is not installed").isTrue();
        Curl.Result result = Curl.run("-p", "-x", proxy.harness().proxyUrl(), origin.url("/curl"));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("key=" + InterceptingProxy.ECHOED_SECRET + " host=" + authority() + " path=/curl");
    }

    @Test
    void nodeFetchThroughEnvHttpProxyAgentForAnHttpUrl() throws Exception {
        String unavailable = NodeAgent.unavailable();
        assumeThat(unavailable).as("Node agent test skipped: %s", unavailable).isNull();
        Curl.Result result = NodeAgent.fetch(proxy.harness().proxyUrl(), origin.url("/node"));
        assertThat(result.stdout()).isEqualTo("200 key=" + InterceptingProxy.ECHOED_SECRET + " host=" + authority() + " path=/node");
        assertThat(proxy.policyRequests()).extracting(r -> r.method() + " " + r.scheme())
                .containsExactly("CONNECT https", "GET http");
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }
}
