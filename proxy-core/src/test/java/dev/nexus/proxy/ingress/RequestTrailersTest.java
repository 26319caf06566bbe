package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.ScriptedOrigin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request trailer sections reach the origin empty: trailer fields cannot smuggle {@code Authorization},
 * an injected credential header, {@code Host} or framing fields past the header rules to an origin that
 * merges trailers into headers. The body itself arrives intact. The origin records the raw bytes it got.
 */
class RequestTrailersTest {

    private static final List<String> bodies = new CopyOnWriteArrayList<>();
    private static ScriptedOrigin origin;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new ScriptedOrigin(RequestTrailersTest::recordChunkedBodyAndAnswer);
        proxy = ProxyHarness.start();
    }

    @AfterAll
    static void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    /** Reads the chunked body up to and including the empty line that ends the trailer section. */
    private static void recordChunkedBodyAndAnswer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            body.write(b);
            String text = body.toString(StandardCharsets.ISO_8859_1);
            if ((text.startsWith("0\r\n") || text.contains("\r\n0\r\n")) && text.endsWith("\r\n\r\n")) {
                break; // the last chunk and the end of its trailer section
            }
        }
        bodies.add(body.toString(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static String post(String chunkedBody) throws IOException {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("POST " + origin.url("/upload") + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Trailer: Authorization\r\nConnection: close\r\n\r\n" + chunkedBody);
            return agent.readUntilClosed();
        }
    }

    @Test
    void credentialAndFramingFieldsInATrailerNeverReachTheOrigin() throws IOException {
        int before = bodies.size();

        String response = post("5\r\nhello\r\n0\r\nAuthorization: Bearer evil\r\nX-Api-Key: evil-key\r\n"
                + "Host: internal.example\r\nContent-Length: 0\r\nCookie: session=evil\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200 OK");
        assertThat(bodies).hasSize(before + 1);
        String forwarded = bodies.get(before);
        assertThat(forwarded).isEqualTo("5\r\nhello\r\n0\r\n\r\n");
    }

    @Test
    void aTrailerFieldSplitAcrossReadsIsDroppedToo() throws IOException {
        int before = bodies.size();
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("POST " + origin.url("/upload") + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n3\r\nabc\r\n0\r\nAuthori");
            agent.send("zation: Bea");
            agent.send("rer evil\r\nX-Other: 1\r\n");
            agent.send("\r\n");
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 200 OK");
        }
        assertThat(bodies).hasSize(before + 1);
        assertThat(bodies.get(before)).isEqualTo("3\r\nabc\r\n0\r\n\r\n").doesNotContain("evil");
    }
}
