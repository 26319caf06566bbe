package dev.nexus.proxy.inject;

import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.testing.WebSocketFrames;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.TlsProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import static dev.nexus.proxy.testing.InterceptingProxy.ECHOED_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS through an intercepting route: the agent trusts only the proxy's CA, the proxy terminates its
 * TLS with a leaf for the CONNECT host, injects credentials, and verifies the origin's certificate on a
 * new TLS connection.
 */
class InterceptionTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private InterceptingProxy proxy;
    private Path originCertificate;

    /** Intercepts and injects for every destination (the test origin lives on loopback). */
    private void start(TlsProvider.Preference provider, boolean trustOrigin, TestOrigin originToUse) throws Exception {
        origin = resources.add(originToUse);
        proxy = resources.add(new InterceptingProxy(dir, trustOrigin ? originCertificate : null, provider,
                InterceptionSettings.defaults(), b -> b));
    }

    private TestOrigin httpsOrigin() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        originCertificate = originTls.writePem(dir);
        return TestOrigin.startTls(originTls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "key=" + request.header("x-api-key") + " host=" + request.header("host"))));
    }

    private HttpClient agent() throws Exception {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.harness().address())).sslContext(proxy.agentTls())
                .build();
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
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(proxy.caCertificate().getSubjectX500Principal());
    }

    @Test
    void aKnownHostReusesItsLeafWithoutMintingAgain() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        for (int i = 0; i < 3; i++) {
            assertThat(agent().send(HttpRequest.newBuilder(URI.create(url("/n" + i))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThat(proxy.leaves().mintCount()).isEqualTo(1);
        assertThat(proxy.leaves().hitCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void curlTrustingOnlyTheExportedCaGetsInjectedCredentials() throws Exception {
        start(TlsProvider.Preference.AUTO, true, httpsOrigin());
        Curl.Result curl = Curl.run("-x", proxy.harness().proxyUrl(), "--cacert", proxy.caPem().toString(),
                url("/curl"));
        assertThat(curl.stdout()).as(curl.stderr())
                .isEqualTo("key=" + ECHOED_SECRET + " host=localhost:" + origin.port());
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
        RawConnection raw = new RawConnection(proxy.harness().address());
        raw.send("CONNECT localhost:" + origin.port() + " HTTP/1.1\r\nHost: localhost:" + origin.port() + "\r\n\r\n");
        assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
        SSLSocket tls = (SSLSocket) proxy.agentTls().getSocketFactory()
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
        assertThat(proxy.leaves().mintCount()).isZero();
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
            tls.getOutputStream().write(WebSocketFrames.maskedText("hi"));
            tls.getOutputStream().flush();
            assertThat(in.read()).isEqualTo(0x81);
            int length = in.read();
            assertThat(new String(in.readNBytes(length), StandardCharsets.UTF_8)).isEqualTo("echo: hi");
        }
    }
}
