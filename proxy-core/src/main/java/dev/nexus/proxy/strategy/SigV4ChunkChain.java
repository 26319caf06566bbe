package dev.nexus.proxy.strategy;

import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import java.nio.charset.StandardCharsets;

/**
 * The chain of SigV4 chunk signatures of one aws-chunked upload ("Signature Calculations for the
 * Authorization Header: Transferring Payload in Multiple Chunks" and "... Including Trailing Headers"
 * in the S3 API reference): each chunk's signature covers the previous signature and the chunk's
 * SHA-256, starting from the seed signature of the request head. One chain signs with the real key;
 * another, with the agent's placeholder key, verifies what the agent sent.
 *
 * <p>It runs once per chunk of a possibly huge upload, so it allocates nothing per chunk: its own
 * {@link Mac} keyed once, the constant part of the string to sign encoded once, signatures kept as
 * 64 ASCII hex digits. Like the request it belongs to, it is used by one thread at a time.
 */
final class SigV4ChunkChain {

    /** Hex digits in a signature. */
    static final int SIGNATURE_LENGTH = 64;

    private static final String CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD";
    private static final String TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER";
    private static final byte[] EMPTY_SHA256_LINE = "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEWLINE = {'\n'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;
    private final byte[] chunkPrefix;
    private final byte[] trailerPrefix;
    private final byte[] previousSignature = new byte[SIGNATURE_LENGTH];
    private final byte[] hashHex = new byte[SIGNATURE_LENGTH];
    private final byte[] rawSignature;

    /**
     * @param signingKey    the derived SigV4 key for the scope's date, region and service
     * @param seedSignature the hex signature of the request head
     */
    SigV4ChunkChain(byte[] signingKey, String amzDate, String scope, String seedSignature) {
        this.mac = Digests.keyedMac(Digests.HmacAlgorithm.SHA256, signingKey);
        this.rawSignature = new byte[mac.getMacLength()];
        this.chunkPrefix = (CHUNK_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n').getBytes(StandardCharsets.US_ASCII);
        this.trailerPrefix = (TRAILER_ALGORITHM + '\n' + amzDate + '\n' + scope + '\n').getBytes(StandardCharsets.US_ASCII);
        byte[] seed = seedSignature.getBytes(StandardCharsets.US_ASCII);
        if (seed.length != SIGNATURE_LENGTH) {
            throw new IllegalArgumentException("a seed signature has " + SIGNATURE_LENGTH + " hex digits, not " + seed.length);
        }
        System.arraycopy(seed, 0, previousSignature, 0, SIGNATURE_LENGTH);
    }

    /**
     * The signature of the next chunk, whose data has this SHA-256; it becomes the previous signature.
     *
     * @return 64 ASCII hex digits, in an array this chain overwrites on its next call: copy or compare it now
     */
    byte[] nextChunk(byte[] chunkSha256) {
        mac.update(chunkPrefix);
        mac.update(previousSignature);
        mac.update(EMPTY_SHA256_LINE);
        return advance(chunkSha256);
    }

    /**
     * The {@code x-amz-trailer-signature} over the canonical trailer ({@code name:value\n} lines).
     *
     * @return as {@link #nextChunk}
     */
    byte[] trailer(byte[] canonicalTrailerSha256) {
        mac.update(trailerPrefix);
        mac.update(previousSignature);
        mac.update(NEWLINE);
        return advance(canonicalTrailerSha256);
    }

    private byte[] advance(byte[] sha256) {
        hex(sha256, hashHex);
        mac.update(hashHex);
        try {
            mac.doFinal(rawSignature, 0); // leaves the Mac keyed for the next chunk
        } catch (ShortBufferException e) {
            throw new IllegalStateException("HmacSHA256 output does not fit its own length", e);
        }
        hex(rawSignature, previousSignature);
        return previousSignature;
    }

    private static void hex(byte[] bytes, byte[] into) {
        for (int i = 0; i < bytes.length; i++) {
            into[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            into[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
    }
}
