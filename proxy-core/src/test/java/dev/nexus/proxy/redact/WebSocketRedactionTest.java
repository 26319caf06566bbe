package dev.nexus.proxy.redact;

import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import dev.nexus.proxy.testing.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JDK WebSocket client over {@code wss} through the intercepting proxy on an inject route: what the
 * origin sends after the upgrade is scanned like a body, so its echo of the secret arrives masked.
 */
class WebSocketRedactionTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final TestResources resources = new TestResources();

    @Test
    void theOriginsEchoOfTheSecretArrivesMasked() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        TestOrigin origin = resources.add(TestOrigin.startWebSocketEcho(originTls.serverContext()));
        InterceptingProxy proxy = resources.add(new InterceptingProxy(dir, originTls.writePem(dir)));
        HttpClient agent = HttpClient.newBuilder().proxy(ProxySelector.of(proxy.harness().address()))
                .sslContext(proxy.agentTls()).build();
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
        socket.sendText("tell me " + InterceptingProxy.SECRET, true).get(10, TimeUnit.SECONDS);

        assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("echo: tell me " + InterceptingProxy.ECHOED_SECRET);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(proxy.harness().events().redactions)
                .containsEntry(InterceptingProxy.ROUTE + "/websocket", 1L));
    }
}
