package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * The chain of SigV4 chunk signatures of one aws-chunked upload ("Signature Calculations for the
 * Authorization Header: Transferring Payload in Multiple Chunks" and "... Including Trailing Headers"
 * in the S3 API reference): each chunk's signature covers the previous signature and the chunk's
 * SHA-256, starting from the seed signature of the request head. One chain signs with the real key;
 * another, with the agent's placeholder key, verifies what the agent sent.
 */
final class SigV4ChunkChain {

    private static final String CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD";
    private static final String TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER";
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private final byte[] signingKey;
    private final String amzDate;
    private final String scope;
    private String previousSignature;

    /**
     * @param signingKey    the derived SigV4 key for the scope's date, region and service
     * @param seedSignature the hex signature of the request head
     */
    SigV4ChunkChain(byte[] signingKey, String amzDate, String scope, String seedSignature) {
        this.signingKey = signingKey;
        this.amzDate = amzDate;
        this.scope = scope;
        this.previousSignature = seedSignature;
    }

    /** The signature of the next chunk, whose data has this SHA-256; it becomes the previous signature. */
    String nextChunk(byte[] chunkSha256) {
        return advance(CHUNK_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + previousSignature + '\n'
                + EMPTY_SHA256 + '\n' + ByteBufUtil.hexDump(chunkSha256));
    }

    /** The {@code x-amz-trailer-signature} over the canonical trailer ({@code name:value\n} lines). */
    String trailer(byte[] canonicalTrailerSha256) {
        return advance(TRAILER_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n' + previousSignature + '\n'
                + ByteBufUtil.hexDump(canonicalTrailerSha256));
    }

    private String advance(String stringToSign) {
        previousSignature = ByteBufUtil.hexDump(Digests.hmac(Digests.HmacAlgorithm.SHA256, signingKey,
                stringToSign.getBytes(StandardCharsets.US_ASCII)));
        return previousSignature;
    }
}
