package dev.nexus.proxy.ingress;

import dev.nexus.proxy.settings.Http2Limits;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.RawHttp2Connection;
import dev.nexus.proxy.testing.RawHttp2Connection.Frame;
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.InterceptionSettings;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static dev.nexus.proxy.testing.RawHttp2Connection.DATA;
import static dev.nexus.proxy.testing.RawHttp2Connection.GOAWAY;
import static dev.nexus.proxy.testing.RawHttp2Connection.HEADERS;
import static dev.nexus.proxy.testing.RawHttp2Connection.PING;
import static dev.nexus.proxy.testing.RawHttp2Connection.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Control-frame floods from a raw HTTP/2 client (h2c inside CONNECT): PING, SETTINGS and empty DATA beyond the
 * limits of {@link Http2Limits} end that connection with GOAWAY(ENHANCE_YOUR_CALM) and a log line, while an h2
 * agent (the JDK HttpClient through interception) connected the whole time keeps its connection and its 200s.
 * PINGs a client sends as flow-control probes while it downloads are no flood.
 */
class Http2FloodTest {

    private static final int ENHANCE_YOUR_CALM = 0xb;
    private static final int MAX_PINGS = 20;
    private static final int MAX_SETTINGS = 10;

    @TempDir
    Path dir;
    private TestOrigin plainOrigin;
    private TestOrigin tlsOrigin;
    private InterceptingProxy proxy;
    private LogCapture logs;

    @BeforeEach
    void start() throws Exception {
        TestTls originTls = TestTls.forHost("localhost");
        TestOrigin.Responder served = TestOrigin.Responder.of(r -> TestOrigin.text(HttpResponseStatus.OK, "served"));
        plainOrigin = TestOrigin.start(served);
        tlsOrigin = TestOrigin.startTls(originTls.serverContext(), served);
        Http2Limits limits = new Http2Limits(100, 16_384, 1 << 20, 200, Duration.ofSeconds(30), 16, 2, 1000,
                MAX_PINGS, MAX_SETTINGS, Duration.ofSeconds(30));
        proxy = new InterceptingProxy(dir, originTls.writePem(dir), InterceptionSettings.defaults(), b -> b.http2(limits));
        logs = new LogCapture(Http2AgentConnection.class.getName());
    }

    @AfterEach
    void stop() {
        logs.close();
        proxy.close();
        plainOrigin.close();
        tlsOrigin.close();
    }

    /** What the abusive client writes after its preface. */
    @FunctionalInterface
    private interface Flood {
        void send(RawHttp2Connection abuser) throws Exception;
    }

    @Test
    void aPingFloodEndsOnlyThatConnection() throws Exception {
        assertFloodEndsOnlyTheAbuser(abuser -> abuser.repeat(2 * MAX_PINGS, PING, 0, 0, RawHttp2Connection.pingPayload(7)),
                "more than " + MAX_PINGS + " PING frames within 30 s");
    }

    @Test
    void aSettingsFloodEndsOnlyThatConnection() throws Exception {
        assertFloodEndsOnlyTheAbuser(abuser -> abuser.repeat(3 * MAX_SETTINGS, SETTINGS, 0, 0, new byte[0]),
                "more than " + MAX_SETTINGS + " SETTINGS frames within 30 s");
    }

    @Test
    void anEmptyDataFloodEndsOnlyThatConnection() throws Exception {
        assertFloodEndsOnlyTheAbuser(abuser -> {
            abuser.headers(1, RawHttp2Connection.get(plainAuthority(), "/upload").method("POST"), false);
            abuser.repeat(20, DATA, 0, 1, new byte[0]);
        }, "empty data frames");
    }

    private void assertFloodEndsOnlyTheAbuser(Flood flood, String logged) throws Exception {
        HttpClient bystander = HttpClient.newBuilder().proxy(ProxySelector.of(proxy.harness().address()))
                .sslContext(proxy.agentTls()).version(HttpClient.Version.HTTP_2).build();
        assertServedOverH2(bystander, "/before");
        try (RawHttp2Connection abuser = RawHttp2Connection.open(proxy.harness().address(), plainAuthority())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.harness().events().clientOpened.get() == 2);
            flood.send(abuser);
            Frame goAway = abuser.readUntil(GOAWAY, 0);
            assertThat(goAway).as("GOAWAY").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
            assertThat(abuser.read()).as("the connection is closed after GOAWAY").isNull();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("closing h2c connection"));
        assertThat(logs.text()).contains(plainAuthority() + " (route \"" + InterceptingProxy.ROUTE + "\")")
                .contains("with GOAWAY").contains(logged);
        for (int i = 0; i < 5; i++) {
            assertServedOverH2(bystander, "/after" + i);
        }
        assertThat(proxy.harness().events().clientOpened.get()).as("the bystander kept its one connection").isEqualTo(2);
        assertThat(proxy.harness().events().clientClosed.get()).as("only the abuser's connection closed").isEqualTo(1);
    }

    private void assertServedOverH2(HttpClient agent, String path) throws Exception {
        HttpResponse<String> response = agent.send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + tlsOrigin.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.body()).isEqualTo("served");
    }

    private String plainAuthority() {
        return "127.0.0.1:" + plainOrigin.port();
    }

    @Test
    void pingsThatProbeFlowControlWhileDownloadingAreNoFlood() throws Exception {
        int chunks = 3 * MAX_PINGS;
        Semaphore released = new Semaphore(0);
        try (ScriptedOrigin slow = new ScriptedOrigin(socket -> {
            write(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < chunks; i++) {
                if (!acquire(released)) {
                    return;
                }
                write(socket, "5\r\nchunk\r\n");
            }
            write(socket, "0\r\n\r\n");
        })) {
            String authority = "127.0.0.1:" + slow.port();
            try (RawHttp2Connection agent = RawHttp2Connection.open(proxy.harness().address(), authority)) {
                agent.headers(1, RawHttp2Connection.get(authority, "/download"), true);
                assertThat(agent.decode(agent.readUntil(HEADERS, 1)).status().toString()).isEqualTo("200");
                // As gRPC clients probe the bandwidth-delay product: a PING on data received, one at a time; the
                // origin sends its next piece only once the probe is answered, so every probe follows new data.
                int probes = 0;
                boolean ended = false;
                boolean probing = false;
                released.release();
                while (!ended || probing) {
                    Frame frame = agent.read();
                    assertThat(frame).as("the connection stays open").isNotNull();
                    assertThat(frame.type()).isNotEqualTo(GOAWAY);
                    if (frame.type() == DATA && frame.payload().length > 0 && !probing) {
                        agent.frame(PING, 0, 0, RawHttp2Connection.pingPayload(probes++));
                        probing = true;
                    } else if (frame.type() == PING) {
                        probing = false;
                        released.release();
                    }
                    ended |= frame.endStream();
                }
                assertThat(probes).isEqualTo(chunks);
                agent.frame(PING, 0, 0, RawHttp2Connection.pingPayload(-1));
                assertThat(agent.readUntil(PING, 0)).as("the connection is still open").isNotNull();
            }
        }
        assertThat(logs.text()).doesNotContain("GOAWAY");
    }

    private static boolean acquire(Semaphore permits) {
        try {
            return permits.tryAcquire(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void write(java.net.Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }
}
