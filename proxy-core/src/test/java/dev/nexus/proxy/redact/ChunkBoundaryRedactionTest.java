package dev.nexus.proxy.redact;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.ScriptedOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.nexus.proxy.redact.ResponseRedactionTest.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An origin that writes the echoed secret split across two chunks (flushed separately), at every
 * split point, plus a trailer quoting it: the agent's raw bytes never contain it, and the chunked
 * framing it receives still decodes to the right, same-length body.
 */
class ChunkBoundaryRedactionTest {

    private static final String BEFORE = "{\"headers\":{\"X-Api-Key\":\"";
    private static final String AFTER = "\"}}\n";
    private static final String MASK = "*".repeat(SECRET.length());

    private final AtomicInteger split = new AtomicInteger();
    private ScriptedOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = new ScriptedOrigin(this::answerInTwoChunks);
        FixedLeases leases = new FixedLeases().add("conn-header",
                new StrategySpec("header", Map.of("header_name", "X-API-Key")), v -> Map.of("api_key", SECRET));
        proxy = ProxyHarness.builder().policy(ResponseRedactionTest.routeByPath())
                .injector(new CredentialInjector(leases)).start();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    private void answerInTwoChunks(Socket socket) throws IOException {
        String body = BEFORE + SECRET + AFTER;
        int cut = BEFORE.length() + split.get();
        OutputStream out = socket.getOutputStream();
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n");
        write(out, chunk(body.substring(0, cut)));
        write(out, chunk(body.substring(cut)));
        write(out, "0\r\nX-Echo: key=" + SECRET + "\r\n\r\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    @Test
    void aSecretSplitAcrossTwoChunksIsMaskedAtEveryOffset() throws Exception {
        for (int at = 1; at < SECRET.length(); at++) {
            split.set(at);
            String raw;
            try (RawConnection agent = new RawConnection(proxy.address())) {
                agent.send("GET http://127.0.0.1:" + origin.port() + "/conn-header/stream HTTP/1.1\r\n"
                        + "Host: 127.0.0.1:" + origin.port() + "\r\nConnection: close\r\n\r\n");
                raw = agent.readUntilClosed();
            }
            assertThat(raw).as("split at %d", at).startsWith("HTTP/1.1 200").doesNotContain(SECRET)
                    .doesNotContain(SECRET.substring(0, 12)).doesNotContain(SECRET.substring(12));
            String[] headAndBody = raw.split("\r\n\r\n", 2);
            assertThat(headAndBody[0]).containsIgnoringCase("transfer-encoding: chunked");
            assertThat(dechunk(headAndBody[1])).as("split at %d", at).isEqualTo(BEFORE + MASK + AFTER);
            assertThat(headAndBody[1]).contains("X-Echo: key=" + MASK);
        }
    }

    /** The body of a chunked message (trailers ignored); fails on broken framing. */
    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            assertThat(chunked.substring(lineEnd + 2 + size, lineEnd + 4 + size)).isEqualTo("\r\n");
            at = lineEnd + 4 + size;
        }
    }
}
