package dev.nexus.proxy.redact;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.TlsProvider;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static dev.nexus.proxy.redact.ResponseRedactionTest.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JDK WebSocket client over {@code wss} through the intercepting proxy on an inject route: what the
 * origin sends after the upgrade is scanned like a body, so its echo of the secret arrives masked.
 */
class WebSocketRedactionTest {

    @TempDir
    Path dir;
    private TestOrigin origin;
    private ProxyHarness proxy;
    private InterceptionContexts leaves;

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
        leaves.close();
    }

    @Test
    void theOriginsEchoOfTheSecretArrivesMasked() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        Path originCertificate = originTls.writePem(dir);
        origin = TestOrigin.startWebSocketEcho(originTls.serverContext());
        CertificateAuthority ca = CertificateAuthority.loadOrGenerate(CaFiles.inDirectory(dir.resolve("ca")), null);
        TlsProvider tls = TlsProvider.choose(TlsProvider.Preference.AUTO);
        leaves = new InterceptionContexts(ca, tls, InterceptionSettings.defaults(), new PrometheusRegistry());
        FixedLeases leases = new FixedLeases().add("conn",
                new StrategySpec("header", Map.of("header_name", "X-API-Key")), v -> Map.of("api_key", SECRET));
        RouteOptions options = new RouteOptions(true, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false);
        proxy = ProxyHarness.builder()
                .policy(request -> new Decision.Inject("api", "test", options, address -> true, "conn", null))
                .injector(new CredentialInjector(leases))
                .tls(new TlsComponents(leaves, new UpstreamTlsContexts(tls, originCertificate))).start();

        X509Certificate caCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(ca.exportPem().getBytes(StandardCharsets.US_ASCII)));
        HttpClient agent = HttpClient.newBuilder().proxy(ProxySelector.of(proxy.address()))
                .sslContext(TestTls.clientTrusting(TestTls.trustStore(caCert))).build();
        CompletableFuture<String> received = new CompletableFuture<>();
        WebSocket socket = agent.newWebSocketBuilder()
                .buildAsync(URI.create("wss://localhost:" + origin.port() + "/ws"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            received.complete(text.toString());
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        // The agent cannot know the secret; sending it here only makes the origin's echo carry it.
        socket.sendText("tell me " + SECRET, true).get(10, TimeUnit.SECONDS);

        assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("echo: tell me " + "*".repeat(SECRET.length()));
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(proxy.events().redactions).containsEntry("api/websocket", 1L));
    }
}
