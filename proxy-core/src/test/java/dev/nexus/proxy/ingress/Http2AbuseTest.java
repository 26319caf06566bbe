package dev.nexus.proxy.ingress;

import dev.nexus.proxy.settings.Http2Limits;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.RawHttp2Connection;
import dev.nexus.proxy.testing.RawHttp2Connection.Frame;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.tls.InterceptionSettings;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static dev.nexus.proxy.testing.RawHttp2Connection.CONTINUATION;
import static dev.nexus.proxy.testing.RawHttp2Connection.DATA;
import static dev.nexus.proxy.testing.RawHttp2Connection.GOAWAY;
import static dev.nexus.proxy.testing.RawHttp2Connection.HEADERS;
import static dev.nexus.proxy.testing.RawHttp2Connection.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Abusive HTTP/2 agents (a raw frame client) against the limits of {@link Http2Limits}: rapid reset
 * (CVE-2023-44487) and CONTINUATION flood (CVE-2024-27316) end the connection with GOAWAY and a log line;
 * too many streams and oversized header lists are refused per stream. After each, a second agent is still
 * served, and the proxy's direct memory stayed bounded. PING, SETTINGS and empty DATA floods are in
 * {@link Http2FloodTest}.
 */
class Http2AbuseTest {

    private static final int ENHANCE_YOUR_CALM = 0xb;
    private static final int REFUSED_STREAM = 0x7;
    private static final long MEMORY_BOUND = 64L << 20;

    @TempDir
    Path dir;
    private TestOrigin origin;
    private InterceptingProxy proxy;
    private LogCapture logs;
    private String authority;

    @BeforeEach
    void start() throws Exception {
        origin = TestOrigin.start(TestOrigin.Responder.of(r -> TestOrigin.text(HttpResponseStatus.OK, "served")));
        Http2Limits limits = new Http2Limits(5, 8192, 1 << 20, 50, Duration.ofSeconds(30), 16, 2, 1000, 100, 50,
                Duration.ofSeconds(30));
        proxy = new InterceptingProxy(dir, null, InterceptionSettings.defaults(), b -> b.http2(limits));
        authority = "127.0.0.1:" + origin.port();
        logs = new LogCapture(Http2AgentConnection.class.getName());
    }

    @AfterEach
    void stop() {
        logs.close();
        proxy.close();
        origin.close();
    }

    private RawHttp2Connection agent() throws Exception {
        return RawHttp2Connection.open(proxy.harness().address(), authority);
    }

    /** A well-behaved agent on its own connection still gets its answer. */
    private void secondAgentIsServed() throws Exception {
        try (RawHttp2Connection other = agent()) {
            other.headers(1, RawHttp2Connection.get(authority, "/second"), true);
            assertThat(other.decode(other.readUntil(HEADERS, 1)).status().toString()).isEqualTo("200");
            assertThat(new String(other.readUntil(DATA, 1).payload())).isEqualTo("served");
        }
    }

    private static void assertMemoryBounded() {
        long used = PlatformDependent.usedDirectMemory();
        if (used >= 0) {
            assertThat(used).as("direct memory in use").isLessThan(MEMORY_BOUND);
        }
    }

    private void assertGoAwayLogged() {
        await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("closing h2c connection"));
        assertThat(logs.text()).contains(authority + " (route \"" + InterceptingProxy.ROUTE + "\")").contains("GOAWAY");
    }

    @Test
    void rapidResetEndsTheConnectionWithGoAway() throws Exception {
        try (RawHttp2Connection abuser = agent()) {
            for (int i = 0; i < 200; i++) {
                int stream = 2 * i + 1;
                abuser.headers(stream, RawHttp2Connection.get(authority, "/r" + i), true);
                abuser.rstStream(stream, 0x8); // CANCEL
            }
            Frame goAway = abuser.readUntil(GOAWAY, 0);
            assertThat(goAway).as("GOAWAY").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        } catch (java.net.SocketException resetWhileSending) {
            // the proxy closed while the flood was still being written: also an end of the connection
        }
        assertGoAwayLogged();
        secondAgentIsServed();
        assertMemoryBounded();
    }

    @Test
    void continuationFloodEndsTheConnectionWithGoAway() throws Exception {
        try (RawHttp2Connection abuser = agent()) {
            byte[] block = abuser.encode(1, RawHttp2Connection.get(authority, "/c"));
            abuser.frame(HEADERS, 0, 1, Arrays.copyOf(block, 1)); // no END_HEADERS: more fragments follow
            for (int i = 0; i < 1000; i++) {
                abuser.frame(CONTINUATION, 0, 1, new byte[0]);
            }
            Frame goAway = abuser.readUntil(GOAWAY, 0);
            assertThat(goAway).as("GOAWAY").isNotNull();
        } catch (java.net.SocketException resetWhileSending) {
            // closed mid-flood
        }
        assertGoAwayLogged();
        secondAgentIsServed();
        assertMemoryBounded();
    }

    @Test
    void streamsBeyondTheConcurrencyLimitAreRefused() throws Exception {
        try (RawHttp2Connection greedy = agent()) {
            Http2Headers post = RawHttp2Connection.get(authority, "/upload").method("POST");
            for (int i = 0; i < 6; i++) {
                greedy.headers(2 * i + 1, post, false); // bodies never sent: the streams stay open
            }
            Frame refused = greedy.readUntil(RST_STREAM, 11);
            assertThat(refused).as("RST_STREAM for the sixth stream").isNotNull();
            assertThat(refused.errorCode()).isEqualTo(REFUSED_STREAM);
        }
        secondAgentIsServed();
    }

    @Test
    void anOversizedHeaderListIsRefusedOnItsStream() throws Exception {
        try (RawHttp2Connection agent = agent()) {
            Http2Headers big = RawHttp2Connection.get(authority, "/big").add("x-padding", "p".repeat(12_000));
            agent.headers(1, big, true);
            Frame answer = agent.read();
            while (answer != null && answer.streamId() != 1 && answer.type() != GOAWAY) {
                answer = agent.read();
            }
            assertThat(answer).isNotNull();
            assertThat(answer.type()).isIn(HEADERS, RST_STREAM, GOAWAY);
        }
        assertThat(origin.requests()).isEmpty();
        secondAgentIsServed();
    }
}
