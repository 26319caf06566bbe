package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.RawHttp2Connection;
import dev.nexus.proxy.testing.RawHttp2Connection.Frame;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.nexus.proxy.testing.RawHttp2Connection.DATA;
import static dev.nexus.proxy.testing.RawHttp2Connection.GOAWAY;
import static dev.nexus.proxy.testing.RawHttp2Connection.HEADERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful shutdown with HTTP/2 agents connected: each connection gets GOAWAY(NO_ERROR) naming the last
 * stream the proxy will serve, streams already in flight finish with their whole answer, and the proxy stops
 * only after them. Agents: a raw frame client (h2c, to see the GOAWAY itself) and curl (h2 through
 * interception, whose in-flight request must simply succeed). Not the JDK HttpClient: before JDK 24 it fails
 * every open stream on any GOAWAY (JDK-8335181), whatever the frame's last stream id says.
 */
class Http2DrainTest {

    private static final int NO_ERROR = 0;

    @TempDir
    Path dir;
    private final CompletableFuture<Void> release = new CompletableFuture<>();
    private TestOrigin plainOrigin;
    private TestOrigin tlsOrigin;
    private InterceptingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        TestOrigin.Responder slow = request -> release.thenApply(ignored ->
                TestOrigin.text(HttpResponseStatus.OK, "finished during drain " + request.uri()));
        plainOrigin = TestOrigin.start(slow);
        tlsOrigin = TestOrigin.startTls(originTls.serverContext(), slow);
        proxy = new InterceptingProxy(dir, originTls.writePem(dir));
    }

    @AfterEach
    void stop() {
        release.complete(null);
        proxy.close();
        plainOrigin.close();
        tlsOrigin.close();
    }

    @Test
    void shutdownSendsGoAwayAndLetsStreamsInFlightFinish() throws Exception {
        assumeThat(Curl.installed()).as("curl is not installed").isTrue();
        String authority = "127.0.0.1:" + plainOrigin.port();
        try (RawHttp2Connection h2cAgent = RawHttp2Connection.open(proxy.harness().address(), authority)) {
            h2cAgent.headers(1, RawHttp2Connection.get(authority, "/raw"), true);
            CompletableFuture<Curl.Result> curlInFlight = CompletableFuture.supplyAsync(() -> curlH2("/curl"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> plainOrigin.requests().size() == 1 && tlsOrigin.requests().size() == 1);

            CompletableFuture<Integer> shutdown = CompletableFuture.supplyAsync(
                    () -> proxy.harness().server().shutdown(Duration.ofSeconds(10)));
            Frame goAway = h2cAgent.readUntil(GOAWAY, 0);
            assertThat(goAway).as("GOAWAY while the stream is in flight").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(NO_ERROR);
            assertThat(ByteBuffer.wrap(goAway.payload()).getInt(0)).as("last stream served").isEqualTo(1);
            assertThat(shutdown).as("the proxy waits for the streams in flight").isNotDone();

            release.complete(null);
            Frame head = h2cAgent.readUntil(HEADERS, 1);
            assertThat(h2cAgent.decode(head).status().toString()).isEqualTo("200");
            Frame body = h2cAgent.readUntil(DATA, 1);
            assertThat(new String(body.payload(), StandardCharsets.UTF_8)).isEqualTo("finished during drain /raw");
            Frame end = body.endStream() ? body : h2cAgent.readUntil(DATA, 1);
            assertThat(end.endStream()).as("the stream ended cleanly").isTrue();

            Curl.Result curl = curlInFlight.get(20, TimeUnit.SECONDS);
            assertThat(curl.exitCode()).as(curl.stderr()).isZero();
            assertThat(curl.stdout()).isEqualTo("finished during drain /curl status=200 http_version=2");

            assertThat(shutdown.get(10, TimeUnit.SECONDS)).as("connections cut at the deadline").isZero();
            assertThat(h2cAgent.read()).as("the connection is closed once its streams are done").isNull();
        }
    }

    private Curl.Result curlH2(String path) {
        try {
            return Curl.run("--http2", "-x", proxy.harness().proxyUrl(), "--cacert", proxy.caPem().toString(),
                    "-w", " status=%{http_code} http_version=%{http_version}", "https://localhost:" + tlsOrigin.port() + path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
