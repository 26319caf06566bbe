package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static dev.nexus.proxy.strategy.AwsChunkedExample.DECODED_LENGTH;
import static dev.nexus.proxy.strategy.AwsChunkedExample.SECRET_KEY;
import static dev.nexus.proxy.strategy.AwsChunkedExample.body;
import static dev.nexus.proxy.strategy.AwsChunkedExample.chain;
import static dev.nexus.proxy.strategy.AwsChunkedExample.data;
import static dev.nexus.proxy.strategy.AwsChunkedExample.headers;
import static dev.nexus.proxy.strategy.AwsChunkedExample.seedSignature;
import static dev.nexus.proxy.strategy.AwsChunkedExample.stream;
import static dev.nexus.proxy.strategy.AwsChunkedExample.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AwsChunkedBodySignerTest {

    private static final String PLACEHOLDER_SECRET = "nexus-placeholder-secret";
    private static final String DOC_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    @Test
    void seedAndChunkSignaturesAreTheDocumentationsWorkedExample() {
        assertEquals(DOC_SEED, seedSignature(headers("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", null)));

        SigV4ChunkChain chain = chain(SECRET_KEY, DOC_SEED);
        byte[] a = data();
        assertEquals("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                text(chain.nextChunk(Digests.sha256(Arrays.copyOf(a, 65536)))));
        assertEquals("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                text(chain.nextChunk(Digests.sha256(Arrays.copyOf(a, 1024)))));
        assertEquals("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9", text(chain.nextChunk(Digests.sha256(new byte[0]))));
    }

    @Test
    void trailerExampleSignsTheChecksumTrailerAfterTheFinalChunk() {
        String seed = seedSignature(headers("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "x-amz-checksum-crc32c"));
        SigV4ChunkChain chain = chain(SECRET_KEY, seed);
        byte[] a = data();
        assertEquals("b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                text(chain.nextChunk(Digests.sha256(Arrays.copyOf(a, 65536)))));
        assertEquals("1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                text(chain.nextChunk(Digests.sha256(Arrays.copyOf(a, 1024)))));
        assertEquals("2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992", text(chain.nextChunk(Digests.sha256(new byte[0]))));

        String trailer = text(chain.trailer(Digests.sha256("x-amz-checksum-crc32c:sOO8/Q==\n".getBytes(StandardCharsets.UTF_8))));

        assertEquals("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e", seed);
        assertEquals("d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435", trailer);
    }

    @ParameterizedTest(name = "pieces of {0} bytes")
    @ValueSource(ints = {1, 7, 86, 4096, 65_600, 1 << 20})
    void reSigningWithTheSameKeyAndSeedReproducesTheDocumentsBodyHoweverItIsSplit(int pieceSize) {
        byte[] agentBody = body(data(), chain(SECRET_KEY, DOC_SEED));

        byte[] forwarded = stream(signer(chain(SECRET_KEY, DOC_SEED), null, false), agentBody, pieceSize);

        assertThat(new String(forwarded, StandardCharsets.ISO_8859_1)).isEqualTo(new String(agentBody, StandardCharsets.ISO_8859_1))
                .startsWith("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n")
                .contains("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n")
                .endsWith("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n");
        assertEquals(66824, forwarded.length);
    }

    @Test
    void placeholderSignedChunksAreReSignedWithTheRealKeyAtTheSameLength() {
        String agentSeed = "0".repeat(64);
        byte[] agentBody = body(data(), chain(PLACEHOLDER_SECRET, agentSeed));

        byte[] forwarded = stream(signer(chain(SECRET_KEY, DOC_SEED), chain(PLACEHOLDER_SECRET, agentSeed), false), agentBody, 1000);

        assertThat(forwarded).isEqualTo(body(data(), chain(SECRET_KEY, DOC_SEED)));
    }

    @Test
    void directBodyPiecesComeOutDirectWithTheChunkDataSharedNotCopied() {
        String agentSeed = "0".repeat(64);
        byte[] agentBody = body(data(), chain(PLACEHOLDER_SECRET, agentSeed), "x-amz-checksum-crc32c:sOO8/Q==");
        StreamingBodySigner signer = signer(chain(SECRET_KEY, DOC_SEED), chain(PLACEHOLDER_SECRET, agentSeed), true);
        ByteBuf piece = Unpooled.directBuffer(agentBody.length).writeBytes(agentBody);
        ByteBuf forwarded = signer.feed(piece.retain());
        try {
            // the epoll transport copies a whole composite before writing it when any part is a heap buffer
            assertThat(forwarded.isDirect()).as("forwarded bytes are all direct").isTrue();
            piece.setByte(agentBody.length / 2, '#'); // inside chunk 1's data
            assertThat(forwarded.toString(StandardCharsets.ISO_8859_1)).as("chunk data is a view of the agent's buffer").contains("#");
            assertThat(drained(signer.end())).isZero();
        } finally {
            forwarded.release();
            piece.release();
            signer.release();
        }
    }

    @Test
    void signedTrailerIsReSignedAndChecksumTrailersKept() {
        String agentSeed = "1".repeat(64);
        byte[] agentBody = body(data(), chain(PLACEHOLDER_SECRET, agentSeed), "x-amz-checksum-crc32c:sOO8/Q==");

        byte[] forwarded = stream(signer(chain(SECRET_KEY, DOC_SEED), chain(PLACEHOLDER_SECRET, agentSeed), true), agentBody, 333);

        assertThat(forwarded).isEqualTo(body(data(), chain(SECRET_KEY, DOC_SEED), "x-amz-checksum-crc32c:sOO8/Q=="));
        assertThat(new String(forwarded, StandardCharsets.ISO_8859_1)).contains("\r\nx-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:");
    }

    @Test
    void unsignedChunksWithChecksumTrailerPassThroughUnchanged() {
        byte[] agentBody = body(data(), null, "x-amz-checksum-crc32:AAAAAA==");

        byte[] forwarded = stream(signer(null, null, true), agentBody, 5000);

        assertThat(forwarded).isEqualTo(agentBody);
    }

    @Test
    void aChunkSignatureThePlaceholderKeyDidNotMakeIsRejectedBeforeThatChunkIsForwarded() {
        byte[] agentBody = body(data(), chain("some-other-secret", DOC_SEED));
        StreamingBodySigner signer = signer(chain(SECRET_KEY, DOC_SEED), chain(PLACEHOLDER_SECRET, DOC_SEED), false);

        long[] forwarded = {0};
        assertThatThrownBy(() -> forwarded[0] += drained(signer.feed(Unpooled.wrappedBuffer(agentBody))))
                .isInstanceOf(MalformedBodyException.class)
                .hasMessage("aws-chunked body: the chunk-signature of chunk 1 was not made with the agent's signing key");
        assertEquals(0, forwarded[0]);
        signer.release();
    }

    @Test
    void malformedFramingIsRejectedWithTheChunkNamed() {
        String chunkSig = ";chunk-signature=" + "a".repeat(64);
        assertRejected("zz" + chunkSig + "\r\n", "aws-chunked body: chunk 1 has a size that is not hexadecimal");
        assertRejected("4" + chunkSig + "\r\nabcdXY", "aws-chunked body: chunk 1 is not followed by CRLF after its 4 bytes");
        assertRejected("4" + chunkSig + "\n", "aws-chunked body: the header of chunk 1 does not end with CRLF");
        assertRejected("10401" + chunkSig + "\r\n",
                "aws-chunked body: chunk 1 declares 66561 bytes, more than the 66560 left of x-amz-decoded-content-length 66560");
        assertRejected("4;chunk-signature=abc\r\n", "aws-chunked body: chunk 1 has no chunk-signature of 64 hex digits");
        assertRejected("4" + "x".repeat(2000), "aws-chunked body: the header of chunk 1 is longer than 1024 bytes");
        assertRejected("0" + chunkSig + "\r\n\r\n", "aws-chunked body: the final chunk came after 0 bytes, but x-amz-decoded-content-length is 66560");
    }

    @Test
    void aBodyThatEndsBeforeItsFinalChunkIsRejectedAtTheEnd() {
        StreamingBodySigner signer = signer(null, null, true);
        drained(signer.feed(Unpooled.copiedBuffer("10\r\n0123", StandardCharsets.US_ASCII)));

        assertThatThrownBy(signer::end).isInstanceOf(MalformedBodyException.class)
                .hasMessage("aws-chunked body: ended inside chunk 1 after 16 of 66560 decoded bytes, before the final chunk");
        signer.release();
    }

    @Test
    void signedChunksLargerThanTheRouteLimitAreRefusedBeforeBuffering() {
        StreamingBodySigner signer = new AwsChunkedBodySigner(chain(SECRET_KEY, DOC_SEED), null, false, DECODED_LENGTH, 1024);

        assertThatThrownBy(() -> signer.feed(Unpooled.copiedBuffer("10000;chunk-signature=" + "a".repeat(64) + "\r\n", StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedBodyException.class)
                .hasMessage("aws-chunked body: chunk 1 declares 65536 bytes; signed chunks may hold at most 1024");
        signer.release();
    }

    private static void assertRejected(String body, String message) {
        StreamingBodySigner signer = signer(chain(SECRET_KEY, DOC_SEED), null, false);
        assertThatThrownBy(() -> drained(signer.feed(Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1))))
                .isInstanceOf(MalformedBodyException.class).hasMessage(message);
        assertThatThrownBy(() -> signer.feed(Unpooled.copiedBuffer("0", StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedBodyException.class);
        signer.release();
    }

    private static StreamingBodySigner signer(SigV4ChunkChain signer, SigV4ChunkChain verifier, boolean trailer) {
        return new AwsChunkedBodySigner(signer, verifier, trailer, DECODED_LENGTH, 1 << 20);
    }

    /** How many bytes the signer forwarded, released. */
    private static int drained(ByteBuf out) {
        int bytes = out.readableBytes();
        out.release();
        return bytes;
    }
}
