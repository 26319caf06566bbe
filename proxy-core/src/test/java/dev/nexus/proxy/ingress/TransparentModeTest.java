package dev.nexus.proxy.ingress;

import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.observe.AccessLogFormatter;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.InterceptionSettings;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Transparent listeners, as iptables REDIRECT would feed them: the agent speaks plain HTTP or TLS to what it
 * thinks is the origin; the proxy routes by Host header or by the ClientHello's server name. REDIRECT delivers
 * IPv4 traffic to 127.0.0.1 and IPv6 traffic to ::1, so the listeners serve both; the IPv6 cases are skipped,
 * with the reason, only on a machine without IPv6 loopback.
 */
class TransparentModeTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private ProxyHarness proxy;

    private void startProxy(UnaryOperator<ProxySettings.Builder> listeners) throws InterruptedException {
        proxy = resources.add(ProxyHarness.builder().settings(listeners).start());
    }

    /** Both loopbacks, as in production (::1 only where the machine has it); ephemeral ports. */
    private static ProxySettings.TransparentListener listenerFor(int originalPort) {
        List<InetSocketAddress> addresses = LoopbackAddresses.hasIpv6()
                ? List.of(new InetSocketAddress(LoopbackAddresses.IPV4, 0), new InetSocketAddress(LoopbackAddresses.IPV6, 0))
                : List.of(new InetSocketAddress(LoopbackAddresses.IPV4, 0));
        return new ProxySettings.TransparentListener(addresses, originalPort);
    }

    private static void assumeIpv6Loopback() {
        Assumptions.assumeTrue(LoopbackAddresses.hasIpv6(), "this machine has no IPv6 loopback (::1)");
    }

    /** The listener's address where REDIRECT delivers IPv4 (127.0.0.1) or IPv6 (::1) traffic. */
    private static InetSocketAddress bound(List<InetSocketAddress> addresses, InetAddress loopback) {
        return addresses.stream().filter(address -> address.getAddress().equals(loopback)).findFirst().orElseThrow();
    }

    @Test
    void eachListenerServesBothLoopbacks() throws Exception {
        assumeIpv6Loopback();
        startProxy(b -> b.transparentHttp(listenerFor(80)).transparentTls(listenerFor(443)));
        for (List<InetSocketAddress> listener : List.of(proxy.server().transparentHttpAddresses(),
                proxy.server().transparentTlsAddresses())) {
            assertThat(listener).extracting(InetSocketAddress::getAddress)
                    .containsExactly(LoopbackAddresses.IPV4, LoopbackAddresses.IPV6);
        }
    }

    @Test
    void anAddressThatCannotBeBoundFailsStartupNamingTheListenerAndTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, LoopbackAddresses.IPV4)) {
            ProxySettings.TransparentListener listener = new ProxySettings.TransparentListener(
                    List.of(new InetSocketAddress(LoopbackAddresses.IPV4, taken.getLocalPort())), 80);
            assertThatThrownBy(() -> ProxyHarness.builder().settings(b -> b.transparentHttp(listener)).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("transparent HTTP listener: cannot bind 127.0.0.1:" + taken.getLocalPort() + ": ");
        }
    }

    @Test
    void plainHttpIsRoutedByItsHostHeader() throws Exception {
        origin = resources.add(TestOrigin.start());
        startProxy(b -> b.transparentHttp(listenerFor(origin.port())));
        try (RawConnection agent = new RawConnection(bound(proxy.server().transparentHttpAddresses(), LoopbackAddresses.IPV4))) {
            agent.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 200").endsWith("hello from origin");
        }
        assertThat(origin.lastRequest().uri()).isEqualTo("/hello");
        assertThat(origin.lastRequest().header("host")).isEqualTo("127.0.0.1:" + origin.port());
    }

    @Test
    void plainHttpOverIpv6IsRoutedByItsBracketedHostHeaderToTheOriginalPort() throws Exception {
        assumeIpv6Loopback();
        origin = resources.add(TestOrigin.startOn(LoopbackAddresses.IPV6, TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "hello over IPv6"))));
        startProxy(b -> b.transparentHttp(listenerFor(origin.port())));
        try (RawConnection agent = new RawConnection(bound(proxy.server().transparentHttpAddresses(), LoopbackAddresses.IPV6))) {
            agent.send("GET /six HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n");
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 200").endsWith("hello over IPv6");
        }
        assertThat(origin.lastRequest().uri()).isEqualTo("/six");
        assertThat(origin.lastRequest().header("host")).isEqualTo("[::1]:" + origin.port());
        ExchangeRecord record = proxy.events().exchanges.get(0);
        assertThat(record.client().getAddress()).isEqualTo(LoopbackAddresses.IPV6);
        assertThat(record.port()).isEqualTo(origin.port());
        assertThat(record.status()).isEqualTo(200);
    }

    @Test
    void plainHttpWithoutAHostHeaderIsRefusedAndCounted() throws Exception {
        refusesRequestWithoutHost(LoopbackAddresses.IPV4);
    }

    @Test
    void plainHttpOverIpv6WithoutAHostHeaderIsRefusedAndCounted() throws Exception {
        assumeIpv6Loopback();
        refusesRequestWithoutHost(LoopbackAddresses.IPV6);
    }

    private void refusesRequestWithoutHost(InetAddress loopback) throws Exception {
        origin = resources.add(TestOrigin.start());
        startProxy(b -> b.transparentHttp(listenerFor(origin.port())));
        try (RawConnection agent = new RawConnection(bound(proxy.server().transparentHttpAddresses(), loopback))) {
            agent.send("GET /hello HTTP/1.0\r\n\r\n");
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 400").contains("Host header");
        }
        assertThat(proxy.events().malformed).containsExactly(MalformedReason.INVALID_TARGET);
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void tlsForAnAllowRouteIsRelayedUntouched() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        origin = resources.add(TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "straight from origin"))));
        startProxy(b -> b.transparentTls(listenerFor(origin.port())));
        try (SSLSocket tls = handshake(bound(proxy.server().transparentTlsAddresses(), LoopbackAddresses.IPV4),
                originTls.clientContext(), "localhost")) {
            X509Certificate seen = (X509Certificate) tls.getSession().getPeerCertificates()[0];
            assertThat(seen).isEqualTo(originTls.certificate());
            assertThat(exchange(tls, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("straight from origin");
        }
    }

    @Test
    void tlsForAnInjectRouteIsInterceptedAndGetsCredentials() throws Exception {
        interceptsAndInjects(LoopbackAddresses.IPV4);
    }

    @Test
    void tlsOverIpv6ForAnInjectRouteIsInterceptedAndGetsCredentials() throws Exception {
        assumeIpv6Loopback();
        interceptsAndInjects(LoopbackAddresses.IPV6);
    }

    private void interceptsAndInjects(InetAddress loopback) throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        origin = resources.add(TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "key=" + request.header("x-api-key")))));
        InterceptingProxy intercepting = resources.add(new InterceptingProxy(dir, originTls.writePem(dir),
                InterceptionSettings.defaults(), b -> b.transparentTls(listenerFor(origin.port()))));
        proxy = intercepting.harness();
        try (SSLSocket tls = handshake(bound(proxy.server().transparentTlsAddresses(), loopback),
                intercepting.agentTls(), "localhost")) {
            assertThat(exchange(tls, "GET /x HTTP/1.1\r\nHost: localhost:" + origin.port() + "\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("key=" + InterceptingProxy.ECHOED_SECRET);
        }
        // Routed by SNI to the original port, whichever family the agent's connection was.
        List<PolicyRequest> asked = intercepting.policyRequests();
        assertThat(asked.get(0).host()).isEqualTo("localhost");
        assertThat(asked.get(0).port()).isEqualTo(origin.port());
        assertThat(proxy.events().exchanges.get(0).client().getAddress()).isEqualTo(loopback);
        // The open-connections gauge comes back to zero: the closed connection is counted once, not per stage.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> proxy.events().clientClosed.get() == 1);
        assertThat(proxy.events().clientOpened.get()).isEqualTo(1);
    }

    @Test
    void tlsWithoutAServerNameIsClosed() throws Exception {
        refusesTlsWithoutServerName(LoopbackAddresses.IPV4);
    }

    @Test
    void tlsOverIpv6WithoutAServerNameIsClosedAndRecordedWithTheIpv6Client() throws Exception {
        assumeIpv6Loopback();
        ExchangeRecord refused = refusesTlsWithoutServerName(LoopbackAddresses.IPV6);
        StringBuilder accessLogLine = new StringBuilder();
        AccessLogFormatter.format(refused, accessLogLine);
        assertThat(accessLogLine).contains("\"[0:0:0:0:0:0:0:1]:" + refused.client().getPort() + "\"");
    }

    /** Returns the record of the refusal, which names the agent's address and the original port. */
    private ExchangeRecord refusesTlsWithoutServerName(InetAddress loopback) throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        origin = resources.add(TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "unreachable"))));
        startProxy(b -> b.transparentTls(listenerFor(origin.port())));
        InetSocketAddress listener = bound(proxy.server().transparentTlsAddresses(), loopback);
        assertThatThrownBy(() -> handshake(listener, originTls.clientContext(), null).close())
                .isInstanceOf(java.io.IOException.class);
        // Counted once, also after the connection has closed (the buffered ClientHello is not routed again).
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> proxy.events().exchanges.size() == 1 && proxy.events().clientClosed.get() == 1);
        ExchangeRecord refused = proxy.events().exchanges.get(0);
        assertThat(refused.decision()).isEqualTo("error");
        assertThat(refused.method()).isEqualTo("CONNECT");
        assertThat(refused.host()).isNull();
        assertThat(refused.port()).isEqualTo(origin.port());
        assertThat(refused.client().getAddress()).isEqualTo(loopback);
        assertThat(origin.connectionsAccepted()).isZero();
        return refused;
    }

    private static SSLSocket handshake(InetSocketAddress listener, SSLContext context, String serverName)
            throws Exception {
        Socket plain = new Socket(listener.getAddress(), listener.getPort());
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", listener.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(10_000);
        tls.startHandshake();
        return tls;
    }

    private static String exchange(SSLSocket tls, String request) throws Exception {
        tls.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        return new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
