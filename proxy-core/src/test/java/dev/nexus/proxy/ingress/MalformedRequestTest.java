package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every malformed request gets 400 with a JSON body, the connection is closed, and the origin never
 * sees a request. One test per case, each sending raw bytes a stock client would never produce.
 */
class MalformedRequestTest {

    private static TestOrigin origin;
    private static ProxyHarness proxy;
    private static String target;

    @BeforeAll
    static void start() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.start(b -> b.maxInitialLineLength(256).maxHeaderSize(1024), ProxyHarness.ALLOW_ALL);
        target = origin.url("/x");
    }

    @AfterAll
    static void stop() {
        proxy.close();
        origin.close();
    }

    private static void assertRejected(String raw, String expectedDetail) throws IOException {
        int before = origin.requests().size();
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(raw);
            String response = agent.readUntilClosed();
            assertThat(response).startsWith("HTTP/1.1 400 Bad Request");
            assertThat(response).contains("content-type: application/json").contains("connection: close");
            assertThat(response).contains("\"error\":\"bad_request\"").contains(expectedDetail);
        }
        assertThat(origin.requests()).hasSize(before);
    }

    @Test
    void requestLineTooLong() throws IOException {
        assertRejected("GET " + target + "?" + "a".repeat(400) + " HTTP/1.1\r\nHost: x\r\n\r\n", "request line too long");
    }

    @Test
    void headerBlockTooLarge() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n",
                "request header block too large");
    }

    @Test
    void contentLengthAndTransferEncodingTogether() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n", "both Content-Length and Transfer-Encoding");
    }

    @Test
    void duplicateContentLength() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                "more than one Content-Length");
    }

    @Test
    void contentLengthList() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello",
                "more than one Content-Length");
    }

    @Test
    void invalidContentLength() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello",
                "invalid Content-Length");
    }

    @Test
    void invalidChunkSize() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                "invalid chunk size");
    }

    @Test
    void chunkDataWithoutTerminator() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
                "chunk data not followed by CRLF");
    }

    @Test
    void transferEncodingListEndingInChunkedIsRefusedNotForwardedVerbatim() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n", "only Transfer-Encoding: chunked is accepted");
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n", "only Transfer-Encoding: chunked is accepted");
    }

    @Test
    void transferEncodingOnTwoFieldLinesIsRefused() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "only Transfer-Encoding: chunked is accepted");
    }

    @Test
    void transferEncodingNotEndingInChunked() throws IOException {
        assertRejected("POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxx",
                "the final transfer coding must be chunked");
    }

    @Test
    void obsoleteLineFolding() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
                "obsolete line folding");
    }

    @Test
    void whitespaceBeforeColon() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Space : a\r\n\r\n",
                "whitespace between header name and colon");
    }

    @Test
    void bareCarriageReturn() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", "bare CR");
    }

    @Test
    void bareLineFeed() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n", "line ending without CR");
    }

    @Test
    void controlCharacterInHeaderValue() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", "control character");
    }

    @Test
    void controlCharacterInHeaderName() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX\u0007A: a\r\n\r\n", "control character");
    }

    @Test
    void originFormTargetOnAForwardProxy() throws IOException {
        assertRejected("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "request target must be absolute");
    }

    @Test
    void connectWithoutPort() throws IOException {
        assertRejected("CONNECT 127.0.0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "CONNECT target must be host:port");
    }

    @Test
    void userinfoInTarget() throws IOException {
        assertRejected("GET http://user:pw@127.0.0.1:" + origin.port() + "/ HTTP/1.1\r\nHost: x\r\n\r\n", "userinfo");
    }

    @Test
    void headerLineWithoutColon() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", "header line without a colon");
    }

    @Test
    void garbageRequestLine() throws IOException {
        assertRejected("HELLO\r\n\r\n", "");
    }

    @Test
    void malformedRequestsAreCountedByReason() throws IOException {
        assertRejected("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n", "obsolete line folding");
        assertThat(proxy.events().malformed).contains(dev.nexus.proxy.observe.MalformedReason.OBS_FOLD);
    }
}
