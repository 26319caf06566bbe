package dev.nexus.proxy.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real TLS through a CONNECT front wired with {@link InterceptingTlsHandler}, reached by the JDK
 * HttpClient and SSLSocket trusting only the proxy CA (from a trust store file), over both providers.
 */
class InterceptingTlsHandlerTest {

    private static final String PROVIDERS = "dev.nexus.proxy.tls.TlsTestSupport#providers";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static CertificateAuthority ca;
    static SSLContext trustingProxyCa;
    static EventLoopGroup group;

    private PrometheusRegistry registry;
    private InterceptionContexts contexts;
    private TestConnectFront front;

    @BeforeAll
    static void startEventLoops() throws Exception {
        ca = TlsTestSupport.newCa(dir.resolve("ca"));
        trustingProxyCa = TlsTestSupport.clientTrusting(dir, ca.certificate());
        group = TlsTestSupport.newEventLoops();
    }

    @AfterAll
    static void stopEventLoops() throws InterruptedException {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }

    @AfterEach
    void stopFront() {
        if (front != null) {
            front.close();
        }
        if (contexts != null) {
            contexts.close();
        }
    }

    private void startFront(TlsProvider.Preference provider) throws InterruptedException {
        startFront(provider, InterceptionSettings.defaults());
    }

    private void startFront(TlsProvider.Preference provider, InterceptionSettings settings)
            throws InterruptedException {
        registry = new PrometheusRegistry();
        contexts = new InterceptionContexts(ca, TlsProvider.choose(provider), settings, registry);
        front = new TestConnectFront(group, contexts);
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void httpClientThroughTheTunnelSeesAValidLeafForTheHost(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        HttpResponse<String> response = get(newClient(trustingProxyCa), "https://api.example.test/hello");

        assertEquals(200, response.statusCode());
        assertEquals("hello api.example.test /hello alpn=null", response.body());
        assertEquals(HttpClient.Version.HTTP_1_1, response.version());
        X509Certificate leaf = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals(List.of(List.of(2, "api.example.test")), List.copyOf(leaf.getSubjectAlternativeNames()));
        assertEquals(1, contexts.mintCount());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void ipv4LiteralTargetIsServedWithAnIpSanLeaf(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        HttpResponse<String> response = get(newClient(trustingProxyCa), "https://127.0.0.1:8443/ip");

        assertEquals("hello 127.0.0.1 /ip alpn=null", response.body());
        X509Certificate leaf = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals(List.of(List.of(7, "127.0.0.1")), List.copyOf(leaf.getSubjectAlternativeNames()));
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void ipv6LiteralTargetIsServedWithAnIpSanLeaf(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        // The JDK 17 HttpClient cannot do TLS to IPv6 literals (it builds an SNI name from "[::1]"),
        // so this agent is an SSLSocket verifying the IP, without SNI, as clients do for IP literals.
        try (Socket tunnel = openTunnel("[::1]:443")) {
            SSLSocket tls = wrap(tunnel, "::1", null);
            tls.startHandshake();
            X509Certificate leaf = (X509Certificate) tls.getSession().getPeerCertificates()[0];
            assertEquals(7, leaf.getSubjectAlternativeNames().iterator().next().get(0));
            assertEquals("hello [::1] /ip6", exchange(tls, "/ip6"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void secondConnectionForTheSameHostReusesTheCachedLeaf(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        HttpResponse<String> first = get(newClient(trustingProxyCa), "https://api.example.test/one");
        HttpResponse<String> second = get(newClient(trustingProxyCa), "https://API.Example.TEST/two");

        assertEquals(200, first.statusCode());
        assertEquals(200, second.statusCode());
        assertEquals(1, contexts.mintCount());
        assertEquals(1, contexts.hitCount());
        assertEquals(1.0, Metrics.counter(registry, "nexus_tls_leaf_cache", "result", "mint"));
        assertEquals(1.0, Metrics.counter(registry, "nexus_tls_leaf_cache", "result", "hit"));
        assertEquals(1, Metrics.histogramCount(registry, "nexus_tls_leaf_mint_seconds"));
        assertEquals(first.sslSession().orElseThrow().getPeerCertificates()[0],
                second.sslSession().orElseThrow().getPeerCertificates()[0], "same leaf served twice");
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void concurrentFirstConnectionsForOneHostShareOneMint(TlsProvider.Preference provider) throws Exception {
        startFront(provider);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();

        for (int i = 0; i < 6; i++) {
            responses.add(newClient(trustingProxyCa).sendAsync(request("https://burst.example.test/" + i),
                    HttpResponse.BodyHandlers.ofString()));
        }

        for (int i = 0; i < responses.size(); i++) {
            assertEquals("hello burst.example.test /" + i + " alpn=null",
                    responses.get(i).get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).body());
        }
        assertEquals(1, contexts.mintCount());
        assertEquals(5, contexts.hitCount());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void sniNamingAnotherHostIsRefusedAndReported(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        try (Socket tunnel = openTunnel("api.example.test:443")) {
            SSLSocket tls = wrap(tunnel, "api.example.test", "evil.example.test");
            assertClosedPromptly(assertThrows(IOException.class, tls::startHandshake));
        }

        await().atMost(TIMEOUT).until(() -> !front.refusals.isEmpty());
        assertEquals(1, front.refusals.size(), "one refusal reported per refused connection: " + front.refusals);
        InterceptionRefusedEvent refused = front.refusals.peek();
        assertEquals(InterceptionRefusedEvent.Reason.SNI_MISMATCH, refused.reason());
        assertEquals("api.example.test", refused.connectHost());
        assertEquals("evil.example.test", refused.sni());
        assertEquals(0, contexts.mintCount(), "nothing minted for a refused connection");
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void connectHostThatCannotHaveALeafIsClosedAndReported(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        try (Socket tunnel = openTunnel("api..example.test:443")) {
            SSLSocket tls = wrap(tunnel, "api.example.test", null);
            assertClosedPromptly(assertThrows(IOException.class, tls::startHandshake));
        }

        await().atMost(TIMEOUT).until(() -> !front.refusals.isEmpty());
        assertEquals(1, front.refusals.size(), "one refusal reported per refused connection: " + front.refusals);
        InterceptionRefusedEvent refused = front.refusals.peek();
        assertEquals(InterceptionRefusedEvent.Reason.CERTIFICATE_UNAVAILABLE, refused.reason());
        assertTrue(refused.detail().contains("'api..example.test'"), refused.detail());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void agentThatNeverSendsAClientHelloIsDisconnectedAfterTheTimeout(TlsProvider.Preference provider)
            throws Exception {
        InterceptionSettings defaults = InterceptionSettings.defaults();
        startFront(provider, new InterceptionSettings(defaults.leafKeyType(), defaults.leafValidity(),
                defaults.maxCachedContexts(), defaults.mintThreads(), Duration.ofMillis(300)));

        try (Socket tunnel = openTunnel("api.example.test:443")) {
            // The socket's read timeout (10 s) is far above the 300 ms ClientHello timeout.
            assertEquals(-1, tunnel.getInputStream().read(), "the proxy closes the idle tunnel");
        }
        assertEquals(0, contexts.mintCount());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void clientWithoutSniGetsTheLeafForTheConnectHost(TlsProvider.Preference provider) throws Exception {
        startFront(provider);

        try (Socket tunnel = openTunnel("api.example.test:443")) {
            SSLSocket tls = wrap(tunnel, "api.example.test", null);
            tls.startHandshake();
            assertEquals("hello api.example.test /no-sni", exchange(tls, "/no-sni"));
        }
        assertTrue(front.refusals.isEmpty());
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void clientThatDoesNotTrustTheProxyCaFailsTheHandshake(TlsProvider.Preference provider) throws Exception {
        startFront(provider);
        CertificateAuthority stranger = TlsTestSupport.newCa(dir.resolve("stranger-" + provider));
        SSLContext trustingStranger = TlsTestSupport.clientTrusting(dir, stranger.certificate());

        IOException failure = assertThrows(IOException.class,
                () -> get(newClient(trustingStranger), "https://api.example.test/"));

        assertTrue(failure instanceof SSLHandshakeException || failure.getCause() instanceof SSLHandshakeException,
                failure.toString());
    }

    /** A refused handshake ends because the proxy closed the connection, not because the client gave up waiting. */
    private static void assertClosedPromptly(IOException handshakeFailure) {
        assertFalse(handshakeFailure instanceof SocketTimeoutException,
                "the proxy left the refused handshake hanging: " + handshakeFailure);
    }

    /**
     * A new client (so a new connection) using the front as its HTTPS proxy. HTTP/1.1 only: the front
     * answers in HTTP/1.1 whatever ALPN chose (the proxy's own stages pick per ALPN); the JDK client then
     * offers no ALPN at all, so the front reports {@code alpn=null}.
     */
    private HttpClient newClient(SSLContext trust) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", front.port())))
                .sslContext(trust)
                .connectTimeout(TIMEOUT)
                .build();
    }

    private HttpResponse<String> get(HttpClient client, String uri) throws Exception {
        return client.send(request(uri), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).build();
    }

    private Socket openTunnel(String authority) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", front.port()), (int) TIMEOUT.toMillis());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        socket.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        String head = readUntil(socket.getInputStream(), "\r\n\r\n");
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        return socket;
    }

    /** TLS over the tunnel, verifying {@code verifyHost}, sending {@code sni} (none when null). */
    private static SSLSocket wrap(Socket tunnel, String verifyHost, String sni) throws IOException {
        SSLSocket tls = (SSLSocket) trustingProxyCa.getSocketFactory().createSocket(tunnel, verifyHost, 443, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        tls.setSSLParameters(parameters);
        return tls;
    }

    /** Sends a GET over the TLS socket and returns the body up to the ALPN note. */
    private static String exchange(SSLSocket tls, String path) throws IOException {
        tls.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        String response = readUntil(tls.getInputStream(), " alpn=");
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        return response.substring(response.indexOf("\r\n\r\n") + 4, response.length() - " alpn=".length());
    }

    /** Reads byte by byte (so nothing after the marker is consumed) until {@code marker} has been read. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (!read.toString(StandardCharsets.US_ASCII).contains(marker)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + read.toString(StandardCharsets.US_ASCII));
            }
            read.write(b);
        }
        return read.toString(StandardCharsets.US_ASCII);
    }
}
