package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.RawHttp2Connection;
import dev.nexus.proxy.testing.RawHttp2Connection.Frame;
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.tls.InterceptionSettings;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static dev.nexus.proxy.testing.RawHttp2Connection.DATA;
import static dev.nexus.proxy.testing.RawHttp2Connection.HEADERS;
import static dev.nexus.proxy.testing.RawHttp2Connection.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One HTTP/2 connection, several streams, each its own exchange: trailers from an HTTP/1.1 origin reach
 * the agent as a final HEADERS frame, a failed exchange resets only its stream, a wrong {@code :authority}
 * is answered on its stream (an agent still sending is then asked to stop without an error), and extended
 * CONNECT (WebSocket over HTTP/2) is refused without harm.
 */
class Http2StreamsTest {

    @TempDir
    Path dir;
    private InterceptingProxy proxy;
    private ScriptedOrigin scripted;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (scripted != null) {
            scripted.close();
        }
    }

    private String startWith(ScriptedOrigin.Script script) throws Exception {
        scripted = new ScriptedOrigin(script);
        proxy = new InterceptingProxy(dir, null, InterceptionSettings.defaults(), b -> b);
        return "127.0.0.1:" + scripted.port();
    }

    private static void write(java.net.Socket socket, String bytes) throws java.io.IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void trailersOfAChunkedOriginResponseArriveAsTheFinalHeadersFrame() throws Exception {
        String authority = startWith(socket -> write(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/grpc\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\ngrpc-status: 0\r\ngrpc-message: all good\r\n\r\n"));
        try (RawHttp2Connection h2 = RawHttp2Connection.open(proxy.harness().address(), authority)) {
            h2.headers(1, RawHttp2Connection.get(authority, "/trailers"), true);
            Frame head = h2.readUntil(HEADERS, 1);
            assertThat(h2.decode(head).status().toString()).isEqualTo("200");
            Frame data = h2.readUntil(DATA, 1);
            assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
            Frame trailers = h2.readUntil(HEADERS, 1);
            assertThat(trailers.endStream()).isTrue();
            Http2Headers decoded = h2.decode(trailers);
            assertThat(decoded.get("grpc-status").toString()).isEqualTo("0");
            assertThat(decoded.get("grpc-message").toString()).isEqualTo("all good");
        }
        assertThat(scripted.requestHeads().get(0)).containsIgnoringCase("x-api-key: " + InterceptingProxy.SECRET);
    }

    @Test
    void anOriginThatFailsMidResponseResetsOnlyThatStream() throws Exception {
        String authority = startWith(socket -> {
            write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it");
            socket.close();
        });
        try (LogCapture logs = new LogCapture();
             RawHttp2Connection h2 = RawHttp2Connection.open(proxy.harness().address(), authority)) {
            h2.headers(1, RawHttp2Connection.get(authority, "/cut"), true);
            Frame reset = h2.readUntil(RST_STREAM, 1);
            assertThat(reset).as("RST_STREAM for the cut stream").isNotNull();
            // the connection lives on: the next stream is served
            h2.headers(3, RawHttp2Connection.get(authority, "/again"), true);
            assertThat(h2.readUntil(HEADERS, 3)).isNotNull();
            assertThat(logs.text()).as("the injected credential never reaches a log").doesNotContain(InterceptingProxy.SECRET);
        }
    }

    @Test
    void anAuthorityOtherThanTheTunnelsIsAnsweredOnItsStreamOnly() throws Exception {
        String authority = startWith(socket -> write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        try (RawHttp2Connection h2 = RawHttp2Connection.open(proxy.harness().address(), authority)) {
            h2.headers(1, RawHttp2Connection.get("elsewhere.example", "/x"), true);
            Frame refused = h2.readUntil(HEADERS, 1);
            assertThat(h2.decode(refused).status().toString()).isEqualTo("400");
            Frame body = h2.readUntil(DATA, 1);
            assertThat(new String(body.payload(), StandardCharsets.UTF_8)).contains("does not name the tunnel's destination");
            h2.headers(3, RawHttp2Connection.get(authority, "/fine"), true);
            assertThat(h2.decode(h2.readUntil(HEADERS, 3)).status().toString()).isEqualTo("200");
        }
        assertThat(scripted.requestHeads()).hasSize(1).allMatch(head -> head.startsWith("GET /fine "));
    }

    @Test
    void aRefusalWhileTheAgentIsStillSendingEndsTheStreamWithoutAnError() throws Exception {
        String authority = startWith(socket -> write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        try (RawHttp2Connection h2 = RawHttp2Connection.open(proxy.harness().address(), authority)) {
            h2.headers(1, RawHttp2Connection.get("elsewhere.example", "/upload").method("POST"), false); // body to come
            assertThat(h2.decode(h2.readUntil(HEADERS, 1)).status().toString()).isEqualTo("400");
            Frame answer = h2.readUntil(DATA, 1);
            assertThat(answer.endStream()).as("the whole answer").isTrue();
            Frame reset = h2.readUntil(RST_STREAM, 1);
            assertThat(reset.errorCode()).as("RST_STREAM(NO_ERROR): stop sending, the answer stands").isZero();
            h2.headers(3, RawHttp2Connection.get(authority, "/fine"), true);
            assertThat(h2.decode(h2.readUntil(HEADERS, 3)).status().toString()).isEqualTo("200");
        }
    }

    @Test
    void webSocketOverHttp2IsRefusedCleanly() throws Exception {
        String authority = startWith(socket -> write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        try (RawHttp2Connection h2 = RawHttp2Connection.open(proxy.harness().address(), authority)) {
            Http2Headers extendedConnect = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("CONNECT")
                    .scheme("http").authority(authority).path("/ws");
            extendedConnect.set(":protocol", "websocket");
            h2.headers(1, extendedConnect, false);
            Frame answer = h2.read();
            while (answer != null && answer.streamId() != 1) {
                answer = h2.read();
            }
            assertThat(answer).as("an answer on the CONNECT stream").isNotNull();
            assertThat(answer.type()).isIn(HEADERS, RST_STREAM);
            if (answer.type() == HEADERS) {
                assertThat(h2.decode(answer).status().toString()).isEqualTo("501");
            }
            h2.headers(3, RawHttp2Connection.get(authority, "/after"), true);
            assertThat(h2.decode(h2.readUntil(HEADERS, 3)).status().toString()).isEqualTo("200");
        }
        assertThat(scripted.requestHeads()).hasSize(1);
    }
}
