package dev.nexus.proxy.ingress;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.ProxySettings;
import dev.nexus.proxy.TlsComponents;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.TlsProvider;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Transparent listeners, as iptables REDIRECT would feed them: the agent speaks plain HTTP or TLS to what it
 * thinks is the origin; the proxy routes by Host header or by the ClientHello's server name.
 */
class TransparentModeTest {

    private static final String SECRET = "transparent-secret";

    @TempDir
    Path dir;
    private TestOrigin origin;
    private ProxyHarness proxy;
    private InterceptionContexts leaves;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (leaves != null) {
            leaves.close();
        }
    }

    private static ProxySettings.TransparentListener listenerFor(int originalPort) {
        return new ProxySettings.TransparentListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                originalPort);
    }

    @Test
    void plainHttpIsRoutedByItsHostHeader() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.builder().settings(b -> b.transparentHttp(listenerFor(origin.port()))).start();
        try (RawConnection agent = new RawConnection(proxy.server().transparentHttpAddress())) {
            agent.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 200").endsWith("hello from origin");
        }
        assertThat(origin.lastRequest().uri()).isEqualTo("/hello");
        assertThat(origin.lastRequest().header("host")).isEqualTo("127.0.0.1:" + origin.port());
    }

    @Test
    void plainHttpWithoutAHostHeaderIsRefusedAndCounted() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.builder().settings(b -> b.transparentHttp(listenerFor(origin.port()))).start();
        try (RawConnection agent = new RawConnection(proxy.server().transparentHttpAddress())) {
            agent.send("GET /hello HTTP/1.0\r\n\r\n");
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 400").contains("Host header");
        }
        assertThat(proxy.events().malformed).contains(MalformedReason.INVALID_TARGET);
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void tlsForAnAllowRouteIsRelayedUntouched() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        origin = TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "straight from origin")));
        proxy = ProxyHarness.builder().settings(b -> b.transparentTls(listenerFor(origin.port()))).start();
        try (SSLSocket tls = handshake(proxy.server().transparentTlsAddress(), originTls.clientContext(), "localhost")) {
            X509Certificate seen = (X509Certificate) tls.getSession().getPeerCertificates()[0];
            assertThat(seen).isEqualTo(originTls.certificate());
            assertThat(exchange(tls, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("straight from origin");
        }
    }

    @Test
    void tlsForAnInjectRouteIsInterceptedAndGetsCredentials() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        origin = TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "key=" + request.header("x-api-key"))));
        CertificateAuthority ca = CertificateAuthority.loadOrGenerate(CaFiles.inDirectory(dir.resolve("ca")), null);
        TlsProvider provider = TlsProvider.choose(TlsProvider.Preference.AUTO);
        leaves = new InterceptionContexts(ca, provider, InterceptionSettings.defaults(), new PrometheusRegistry());
        RouteOptions intercept = new RouteOptions(true, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false);
        FixedLeases credentials = new FixedLeases().add("conn",
                new StrategySpec("header", Map.of("header_name", "X-API-Key")), v -> Map.of("api_key", SECRET));
        proxy = ProxyHarness.builder()
                .settings(b -> b.transparentTls(listenerFor(origin.port())))
                .policy(request -> new Decision.Inject("api", "test", intercept, address -> true, "conn", null))
                .injector(new CredentialInjector(credentials))
                .tls(new TlsComponents(leaves, new UpstreamTlsContexts(provider, originTls.writePem(dir))))
                .start();
        try (SSLSocket tls = handshake(proxy.server().transparentTlsAddress(), trusting(ca.certificate()), "localhost")) {
            assertThat(exchange(tls, "GET /x HTTP/1.1\r\nHost: localhost:" + origin.port() + "\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("key=" + SECRET);
        }
    }

    @Test
    void tlsWithoutAServerNameIsClosed() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        origin = TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "unreachable")));
        proxy = ProxyHarness.builder().settings(b -> b.transparentTls(listenerFor(origin.port()))).start();
        assertThatThrownBy(() -> handshake(proxy.server().transparentTlsAddress(), originTls.clientContext(), null).close())
                .isInstanceOf(java.io.IOException.class);
        await().until(() -> proxy.events().exchanges.stream().anyMatch(r -> "error".equals(r.decision())));
        assertThat(origin.connectionsAccepted()).isZero();
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

    private static SSLContext trusting(X509Certificate anchor) throws Exception {
        return TestTls.clientTrusting(TestTls.trustStore(anchor));
    }
}
