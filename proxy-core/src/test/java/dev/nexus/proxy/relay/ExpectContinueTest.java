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
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
            assertThat(origin.awaitClosedByProxy(10, TimeUnit.SECONDS)).isTrue();
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
            Thread sender = new Thread(() -> sendZeros(agent.output(), size, new AtomicLong()), "agent-body");
            sender.setDaemon(true);
            sender.start();
            String head = agent.readHead();
            assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
            assertThat(new String(agent.readBytes(9), StandardCharsets.US_ASCII)).isEqualTo("too large");
            assertThat(agent.closedByPeer()).isTrue();
        }
    }

    @Test
    void anAgentThatDoesNotWaitForContinueIsNotReadWhileItsBodyIsHeld() throws Exception {
        long size = 256L * 1024 * 1024;
        CountDownLatch mayContinue = new CountDownLatch(1);
        AtomicLong bodyBytesSeen = new AtomicLong(-1);
        AtomicLong sent = new AtomicLong();
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            write(socket, "HTTP/1.1 204 No Content\r\n\r\n"); // the first request; the upload comes next, pooled
            skipHead(socket.getInputStream());
            try {
                mayContinue.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            write(socket, "HTTP/1.1 100 Continue\r\n\r\n");
            bodyBytesSeen.set(countBytes(socket.getInputStream(), size));
            write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }); RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET " + origin.url("/first") + " HTTP/1.1\r\nHost: 127.0.0.1:" + origin.port() + "\r\n\r\n");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 204");
            agent.send(put(origin, "Expect: 100-continue\r\nContent-Length: " + size + "\r\n"));
            Thread sender = new Thread(() -> sent.set(sendZeros(agent.output(), size, sent)), "agent-body");
            sender.setDaemon(true);
            sender.start();
            // Within the proxy's one-second wait for the 100: the agent can fill socket buffers, no more.
            await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5)).until(() -> sent.get() < 64L * 1024 * 1024);
            mayContinue.countDown();
            assertThat(agent.readHead()).startsWith("HTTP/1.1 100");
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(bodyBytesSeen.get()).isEqualTo(size);
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

    private static void skipHead(InputStream in) throws IOException {
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside a request head");
            }
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static long countBytes(InputStream in, long limit) throws IOException {
        long count = 0;
        byte[] buffer = new byte[64 * 1024];
        for (int n; count < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - count))) >= 0; ) {
            count += n;
        }
        return count;
    }

    /** Writes {@code size} zero bytes, counting them in {@code progress}, until done or refused. */
    private static long sendZeros(OutputStream out, long size, AtomicLong progress) {
        byte[] piece = new byte[64 * 1024];
        try {
            while (progress.get() < size) {
                out.write(piece);
                progress.addAndGet(piece.length);
            }
        } catch (IOException refused) {
            // the proxy stopped reading after its answer: expected where the test answers early
        }
        return progress.get();
    }
}
