package dev.nexus.proxy.relay;

import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.testing.WebSocketFrames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** CONNECT tunnels and WebSocket upgrades: the proxy relays bytes it does not interpret. */
class TunnelAndUpgradeTest {

    @RegisterExtension
    final TestResources resources = new TestResources();
    private ProxyHarness proxy;
    private TestOrigin origin;

    @Test
    void jdkClientReachesATlsOriginThroughAConnectTunnelAndVerifiesItsCertificate() throws Exception {
        TestTls tls = TestTls.forHost("localhost");
        origin = resources.add(TestOrigin.startTls(tls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "secure " + request.uri()))));
        proxy = resources.add(ProxyHarness.start());
        HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(proxy.address()))
                .sslContext(tls.clientContext()).build();

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + origin.port() + "/s" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("secure /s" + i);
        }
        assertThat(origin.connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void curlTunnelsHttpsWithCertificateVerification(@TempDir Path dir) throws Exception {
        TestTls tls = TestTls.forHost("localhost");
        origin = resources.add(TestOrigin.startTls(tls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "curl over tls"))));
        proxy = resources.add(ProxyHarness.start());
        Path ca = tls.writePem(dir);
        Curl.Result curl = Curl.run("-x", proxy.proxyUrl(), "--cacert", ca.toString(),
                "https://localhost:" + origin.port() + "/");
        assertThat(curl.stdout()).as(curl.stderr()).isEqualTo("curl over tls");
    }

    @Test
    void tunnelRecordCountsBytesBothWays() throws Exception {
        TestTls tls = TestTls.forHost("localhost");
        origin = resources.add(TestOrigin.startTls(tls.serverContext(), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "x"))));
        proxy = resources.add(ProxyHarness.start());
        HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(proxy.address()))
                .sslContext(tls.clientContext()).build();
        client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + origin.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        origin.resetAllConnections();
        await().atMost(5, TimeUnit.SECONDS).until(() -> proxy.events().exchanges.stream()
                .anyMatch(r -> r.method().equals("CONNECT")));
        var record = proxy.events().exchanges.stream().filter(r -> r.method().equals("CONNECT")).findFirst().orElseThrow();
        assertThat(record.status()).isEqualTo(200);
        assertThat(record.host()).isEqualTo("localhost");
        assertThat(record.bytesIn()).isPositive();
        assertThat(record.bytesOut()).isPositive();
    }

    @Test
    void connectToAClosedPortIsA502AndTheConnectionCloses() throws Exception {
        proxy = resources.add(ProxyHarness.start());
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("CONNECT 127.0.0.1:" + closedPort + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            String response = agent.readUntilClosed();
            assertThat(response).startsWith("HTTP/1.1 502").contains("\"error\":\"upstream_connect_failed\"");
        }
    }

    @Test
    void webSocketUpgradeBecomesAByteRelay() throws Exception {
        origin = resources.add(TestOrigin.startWebSocketEcho());
        proxy = resources.add(ProxyHarness.start());
        try (RawConnection agent = new RawConnection(proxy.address())) {
            byte[] nonce = new byte[16];
            new SecureRandom().nextBytes(nonce);
            agent.send("GET " + origin.url("/ws") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                    + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n");
            String head = agent.readHead();
            assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: websocket");

            agent.send(WebSocketFrames.maskedText("hello through the proxy"));
            byte[] frameHead = agent.readBytes(2);
            assertThat(frameHead[0] & 0xff).isEqualTo(0x81); // FIN + text
            byte[] payload = agent.readBytes(frameHead[1] & 0x7f);
            assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo("echo: hello through the proxy");
        }
    }
}
