package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.decision.PolicyDecider;
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
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS through an intercepting route: the agent trusts only the proxy's CA, the proxy terminates its
 * TLS with a leaf for the CONNECT host, injects credentials, and verifies the origin's certificate on a
 * new TLS connection.
 */
class InterceptionTest {

    private static final String SECRET = "intercepted-secret-value";
    /** The origin echoes the key; the agent sees it masked, which also proves the origin got exactly SECRET. */
    private static final String ECHOED_SECRET = "*".repeat(SECRET.length());

    @TempDir
    Path dir;
    private TestOrigin origin;
    private ProxyHarness proxy;
    private InterceptionContexts leaves;
    private CertificateAuthority ca;

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

    /** Intercepts and injects for every destination (the test origin lives on loopback). */
    private static PolicyDecider injectEverywhere() {
        RouteOptions options = new RouteOptions(true, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false);
        return request -> new Decision.Inject("api", "test route", options, address -> true, "conn", null);
    }

    private void start(TlsProvider.Preference provider, boolean trustOrigin, TestOrigin originToUse) throws Exception {
        origin = originToUse;
        ca = CertificateAuthority.loadOrGenerate(CaFiles.inDirectory(dir.resolve("ca")), null);
        TlsProvider tls = TlsProvider.choose(provider);
        leaves = new InterceptionContexts(ca, tls, InterceptionSettings.defaults(), new PrometheusRegistry());
        Path originTrust = trustOrigin ? originCertificate : null;
        FixedLeases credentials = new FixedLeases().add("conn",
                new StrategySpec("header", Map.of("header_name", "X-API-Key")), v -> Map.of("api_key", SECRET));
        proxy = ProxyHarness.builder().policy(injectEverywhere()).injector(new CredentialInjector(credentials))
                .tls(new TlsComponents(leaves, new UpstreamTlsContexts(tls, originTrust))).start();
    }

    private Path originCertificate;
    private TestTls originTls;

    private TestOrigin httpsOrigin() throws Exception {
        originTls = TestTls.forHost("localhost");
        originCertificate = originTls.writePem(dir);
        return TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "key=" + request.header("x-api-key") + " host=" + request.header("host"))));
    }

    private SSLContext trustingProxyCa() throws Exception {
        X509Certificate caCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(ca.exportPem().getBytes(StandardCharsets.US_ASCII)));
        return TestTls.clientTrusting(TestTls.trustStore(caCert));
    }

    private HttpClient agent() throws Exception {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.address())).sslContext(trustingProxyCa()).build();
    }

    private String url(String path) {
        return "https://localhost:" + origin.port() + path;
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.Preference.class, names = {"OPENSSL", "JDK"})
    void credentialsAreInjectedIntoHttpsAndTheAgentSeesAValidCertificate(TlsProvider.Preference provider)
            throws Exception {
        start(provider, true, httpsOrigin());
        HttpResponse<String> response = agent().send(HttpRequest.newBuilder(URI.create(url("/repos")))
                .header("X-API-Key", "agent-guess").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("key=" + ECHOED_SECRET + " host=localhost:" + origin.port());
        assertThat(response.sslSession()).isPresent();
        X509Certificate leaf = (X509Certificate) response.sslSession().get().getPeerCertificates()[0];
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    }

    @Test
    void aKnownHostReusesItsLeafWithoutMintingAgain() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        for (int i = 0; i < 3; i++) {
            assertThat(agent().send(HttpRequest.newBuilder(URI.create(url("/n" + i))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThat(leaves.mintCount()).isEqualTo(1);
        assertThat(leaves.hitCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void curlTrustingOnlyTheExportedCaGetsInjectedCredentials() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        Path caPem = dir.resolve("nexus-ca.pem");
        Files.writeString(caPem, ca.exportPem());
        ProcessBuilder curl = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-x", proxy.proxyUrl(),
                "--cacert", caPem.toString(), url("/curl"));
        for (String variable : new String[]{"SSL_CERT_FILE", "CURL_CA_BUNDLE", "https_proxy", "HTTPS_PROXY"}) {
            curl.environment().remove(variable);
        }
        curl.redirectErrorStream(true);
        Process process = curl.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(output).isEqualTo("key=" + ECHOED_SECRET + " host=localhost:" + origin.port());
    }

    @Test
    void anOriginCertificateThatFailsVerificationIs502NamingTheReason() throws Exception {
        start(TlsProvider.Preference.AUTO, false, httpsOrigin());
        HttpResponse<String> response = agent().send(HttpRequest.newBuilder(URI.create(url("/x"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("\"error\":\"upstream_tls_failed\"").contains("not trusted");
        assertThat(origin.requests()).isEmpty();
    }

    /** Opens CONNECT through the proxy and starts TLS inside it with the given server name. */
    private SSLSocket tunnel(String serverName) throws Exception {
        RawConnection raw = new RawConnection(proxy.address());
        raw.send("CONNECT localhost:" + origin.port() + " HTTP/1.1\r\nHost: localhost:" + origin.port() + "\r\n\r\n");
        assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
        SSLSocket tls = (SSLSocket) trustingProxyCa().getSocketFactory()
                .createSocket(raw.socket(), "localhost", origin.port(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(10_000);
        return tls;
    }

    @Test
    void aServerNameOtherThanTheConnectHostIsRefused() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        try (SSLSocket tls = tunnel("fronted.example")) {
            assertThatThrownBy(tls::startHandshake).isInstanceOf(java.io.IOException.class);
        }
        assertThat(leaves.mintCount()).isZero();
    }

    @Test
    void aHostHeaderOtherThanTheConnectHostIsRefused() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        try (SSLSocket tls = tunnel("localhost")) {
            tls.getOutputStream().write("GET /x HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            String response = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 400").contains("does not name the tunnel's destination");
        } catch (SSLException closedAfterResponse) {
            // some JDKs report the peer's close_notify-less close as an exception after the bytes were read
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void hundredMibDownloadThroughInterceptionStaysFlat() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        long size = 100L << 20;
        HttpResponse<InputStream> response = agent().send(HttpRequest.newBuilder(URI.create(url("/bytes/" + size))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long received = 0;
        long peak = 0;
        byte[] buffer = new byte[1 << 20];
        try (InputStream body = response.body()) {
            int n;
            while ((n = body.read(buffer)) > 0) {
                received += n;
                var metric = PooledByteBufAllocator.DEFAULT.metric();
                peak = Math.max(peak, metric.usedDirectMemory() + metric.usedHeapMemory());
            }
        }
        assertThat(received).isEqualTo(size);
        assertThat(peak).isLessThan(64L << 20);
    }

    @Test
    void webSocketOverInterceptedTls() throws Exception {
        TestTls wssTls = TestTls.forHost("localhost");
        originCertificate = wssTls.writePem(dir);
        start(TlsProvider.Preference.AUTO, true, TestOrigin.startWebSocketEcho(wssTls.serverContext()));
        try (SSLSocket tls = tunnel("localhost")) {
            tls.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: localhost:" + origin.port() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = tls.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            byte[] payload = "hi".getBytes(StandardCharsets.UTF_8);
            byte[] mask = {1, 2, 3, 4};
            byte[] frame = {(byte) 0x81, (byte) (0x80 | payload.length), 1, 2, 3, 4,
                    (byte) (payload[0] ^ mask[0]), (byte) (payload[1] ^ mask[1])};
            tls.getOutputStream().write(frame);
            tls.getOutputStream().flush();
            assertThat(in.read()).isEqualTo(0x81);
            int length = in.read();
            assertThat(new String(in.readNBytes(length), StandardCharsets.UTF_8)).isEqualTo("echo: hi");
        }
    }
}
