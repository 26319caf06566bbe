package dev.nexus.proxy.relay;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.ScriptedOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Expect: 100-continue} and final answers that come while the agent is still sending, through the
 * proxy on real sockets: the origin's 100 reaches the agent and the final response follows on the same
 * connection; an answer before the body reaches the agent intact, and the connection then closes cleanly.
 */
class ExpectContinueTest {

    private static final byte[] BODY = "0123456789".getBytes(StandardCharsets.US_ASCII);

    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        proxy = ProxyHarness.start();
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void theOriginsContinueReachesTheAgentAndTheFinalResponseFollowsOnAKeptConnection() throws Exception {
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            write(socket, "HTTP/1.1 100 Continue\r\n\r\n");
            byte[] body = socket.getInputStream().readNBytes(BODY.length);
            write(socket, "HTTP/1.1 201 Created\r\nContent-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.US_ASCII));
        }); ScriptedOrigin next = new ScriptedOrigin(socket -> write(socket, "HTTP/1.1 204 No Content\r\n\r\n"));
             RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(put(origin, "Expect: 100-continue\r\nContent-Length: 10\r\n"));
            assertThat(agent.readHead()).startsWith("HTTP/1.1 100 Continue");
            agent.send(BODY);
            String head = agent.readHead();
            assertThat(head).startsWith("HTTP/1.1 201").doesNotContainIgnoringCase("connection: close");
            assertThat(agent.readBytes(BODY.length)).isEqualTo(BODY);

            agent.send("GET " + next.url("/after") + " HTTP/1.1\r\nHost: 127.0.0.1:" + next.port() + "\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 204"); // the same agent connection carries on
        }
    }

    @Test
    void aRefusalInsteadOfContinueReachesTheAgentAndNoBodyByteReachesTheOrigin() throws Exception {
        AtomicLong bodyBytesSeen = new AtomicLong(-1);
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            write(socket, "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied");
            bodyBytesSeen.set(countUntilClosed(socket.getInputStream()));
        }); RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(put(origin, "Expect: 100-continue\r\nContent-Length: 10\r\n"));
            assertThat(agent.readHead()).startsWith("HTTP/1.1 403").containsIgnoringCase("connection: close");
            assertThat(new String(agent.readBytes(6), StandardCharsets.US_ASCII)).isEqualTo("denied");
            assertThat(agent.closedByPeer()).isTrue();
            assertThat(origin.awaitClosedByProxy(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        assertThat(bodyBytesSeen.get()).isZero();
    }

    @Test
    void anEarlyAnswerWhileTheAgentIsStillSendingReachesItIntactAndTheConnectionClosesCleanly() throws Exception {
        long size = 64L * 1024 * 1024;
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            socket.getInputStream().readNBytes(256 * 1024); // some of the body, then an answer and a hard close
            write(socket, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large");
            socket.close();
        }); RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(put(origin, "Content-Length: " + size + "\r\n"));
            Thread sender = new Thread(() -> sendZeros(agent.output(), size), "agent-body");
            sender.setDaemon(true);
            sender.start();
            String head = agent.readHead();
            assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
            assertThat(new String(agent.readBytes(9), StandardCharsets.US_ASCII)).isEqualTo("too large");
            assertThat(agent.closedByPeer()).isTrue();
        }
    }

    private static String put(ScriptedOrigin origin, String headers) {
        return "PUT " + origin.url("/upload") + " HTTP/1.1\r\nHost: 127.0.0.1:" + origin.port() + "\r\n" + headers + "\r\n";
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static long countUntilClosed(InputStream in) {
        long count = 0;
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                count += n;
            }
        } catch (IOException closed) {
            // counted what arrived
        }
        return count;
    }

    private static void sendZeros(OutputStream out, long size) {
        byte[] piece = new byte[64 * 1024];
        try {
            for (long sent = 0; sent < size; sent += piece.length) {
                out.write(piece);
            }
        } catch (IOException refused) {
            // the proxy stopped reading after the answer: expected
        }
    }
}
