package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.testing.Http2Origin;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.InterceptionSettings;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 agents' requests to HTTP/2 origins over TLS: streams multiplexed on pooled connections, as many at once
 * as the origin allows, another connection when they are full, GOAWAY and idle connections retired, and an origin
 * that picks HTTP/1.1 by ALPN spoken to in HTTP/1.1. The agent is the JDK HttpClient speaking h2 to the proxy.
 */
class Http2UpstreamPoolTest {

    @TempDir
    Path dir;
    private final TestTls originTls = TestTls.forHost("localhost");
    private Http2Origin origin;
    private TestOrigin http1Origin;
    private InterceptingProxy proxy;
    private Channel firstConnectionSeen;

    Http2UpstreamPoolTest() throws Exception {
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (http1Origin != null) {
            http1Origin.close();
        }
    }

    private void startH2(long maxConcurrentStreams, Http2Origin.Handler handler,
                         UnaryOperator<ProxySettings.Builder> settings) throws Exception {
        origin = Http2Origin.start(originTls.serverContext("h2"), maxConcurrentStreams, handler);
        proxy = new InterceptingProxy(dir, originTls.writePem(dir), InterceptionSettings.defaults(), settings);
    }

    /** The first connection any request arrived on. */
    private synchronized Channel firstConnection(Http2StreamChannel stream) {
        if (firstConnectionSeen == null) {
            firstConnectionSeen = stream.parent();
        }
        return firstConnectionSeen;
    }

    private HttpClient h2Agent() throws Exception {
        return HttpClient.newBuilder().proxy(ProxySelector.of(proxy.harness().address()))
                .sslContext(proxy.agentTls()).version(HttpClient.Version.HTTP_2).build();
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("https://localhost:" + port + path)).timeout(Duration.ofSeconds(20))
                .build();
    }

    private List<HttpResponse<String>> sendAtOnce(HttpClient agent, int port, int count) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pending.add(agent.sendAsync(get(port, "/s" + i), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : pending) {
            responses.add(response.get(30, TimeUnit.SECONDS));
        }
        return responses;
    }

    @Test
    void concurrentStreamsShareOneConnectionAndCarryTheCredentialAsALowerCaseHeader() throws Exception {
        startH2(100, Http2Origin.answerWhenAllArrived(6), b -> b);
        List<HttpResponse<String>> responses = sendAtOnce(h2Agent(), origin.port(), 6);
        for (int i = 0; i < responses.size(); i++) {
            assertThat(responses.get(i).statusCode()).isEqualTo(200);
            assertThat(responses.get(i).body()).isEqualTo("path=/s" + i);
        }
        assertThat(origin.connectionsAccepted()).as("one multiplexed upstream connection").isEqualTo(1);
        assertThat(origin.mostStreamsAtOnce()).isEqualTo(6);
        assertThat(origin.requests()).allSatisfy(head -> {
            assertThat(head.get("x-api-key")).hasToString(InterceptingProxy.SECRET);
            assertThat(head.names()).noneMatch(name -> name.toString().equals("X-API-Key"));
            assertThat(head.get("te")).hasToString("trailers");
            assertThat(head.scheme()).hasToString("https");
            assertThat(head.authority()).hasToString("localhost:" + origin.port());
        });
    }

    @Test
    void aFullConnectionMakesTheProxyOpenAnotherOne() throws Exception {
        startH2(2, Http2Origin.answerWhenAllArrived(5), b -> b);
        List<HttpResponse<String>> responses = sendAtOnce(h2Agent(), origin.port(), 5);
        assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isEqualTo(200));
        assertThat(origin.mostStreamsAtOnce()).as("the origin's SETTINGS_MAX_CONCURRENT_STREAMS").isEqualTo(2);
        assertThat(origin.connectionsAccepted()).as("5 streams at most 2 a connection").isEqualTo(3);
    }

    @Test
    void whenTheConnectionLimitIsReachedRequestsWaitForAFreeStream() throws Exception {
        // A slow origin taking one stream a connection, and at most two connections: four requests must wait.
        startH2(1, (stream, headers) -> stream.eventLoop().schedule(
                () -> Http2Origin.respond(stream, "path=" + headers.path()), 50, TimeUnit.MILLISECONDS),
                b -> b.maxConnectionsPerHost(2));
        List<HttpResponse<String>> responses = sendAtOnce(h2Agent(), origin.port(), 6);
        for (int i = 0; i < responses.size(); i++) {
            assertThat(responses.get(i).body()).isEqualTo("path=/s" + i);
        }
        assertThat(origin.connectionsAccepted()).isEqualTo(2);
        assertThat(origin.mostStreamsAtOnce()).isEqualTo(1);
    }

    @Test
    void afterGoAwayNewStreamsGoToANewConnectionAndTheOldOneCloses() throws Exception {
        startH2(100, (stream, headers) -> {
            Http2Origin.respond(stream, "path=" + headers.path());
            if (stream.parent().equals(firstConnection(stream))) {
                Http2Origin.goAway(stream, stream.stream().id());
            }
        }, b -> b);
        HttpClient agent = h2Agent();
        assertThat(agent.send(get(origin.port(), "/before"), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("path=/before");
        await().atMost(Duration.ofSeconds(10)).until(() -> origin.openConnections() == 0);
        assertThat(agent.send(get(origin.port(), "/after"), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("path=/after");
        assertThat(origin.connectionsAccepted()).isEqualTo(2);
    }

    @Test
    void aStreamAboveTheLastOneTheOriginProcessesIsSentAgainOnAFreshConnection() throws Exception {
        startH2(100, (stream, headers) -> {
            if (stream.parent().equals(firstConnection(stream))) {
                Http2Origin.goAway(stream, 0); // nothing on this connection will be processed
            } else {
                Http2Origin.respond(stream, "path=" + headers.path());
            }
        }, b -> b);
        HttpResponse<String> response = h2Agent().send(get(origin.port(), "/retried"), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("path=/retried");
        assertThat(origin.connectionsAccepted()).isEqualTo(2);
        assertThat(origin.requests()).hasSize(2);
    }

    @Test
    void anIdleConnectionIsClosedAfterTheUpstreamIdleTimeout() throws Exception {
        startH2(100, Http2Origin.echoPath(), b -> b.upstreamIdleTimeout(Duration.ofMillis(300)));
        assertThat(h2Agent().send(get(origin.port(), "/once"), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> origin.openConnections() == 0);
    }

    @Test
    void anOriginThatPicksHttp1ByAlpnIsSpokenToInHttp1OnAReusedConnection() throws Exception {
        http1Origin = TestOrigin.startTls(originTls.serverContext("http/1.1"), TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "h1 key=" + request.header("x-api-key"))));
        proxy = new InterceptingProxy(dir, originTls.writePem(dir), InterceptionSettings.defaults(), b -> b);
        HttpClient agent = h2Agent();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = agent.send(get(http1Origin.port(), "/h1"), HttpResponse.BodyHandlers.ofString());
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(response.body()).isEqualTo("h1 key=" + InterceptingProxy.ECHOED_SECRET);
        }
        assertThat(http1Origin.connectionsAccepted()).as("the HTTP/1.1 connection is pooled and reused").isEqualTo(1);
    }
}
