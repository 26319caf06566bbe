package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The aws-chunked payload modes an S3 client announces in {@code x-amz-content-sha256}, and what the
 * proxy does with each: re-sign every chunk (and the trailer), or pass unsigned chunks through. The
 * value itself is signed in the head as the payload hash, exactly as the agent sent it.
 */
enum StreamingPayload {
    SIGNED("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", true, false),
    SIGNED_WITH_TRAILER("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", true, true),
    UNSIGNED_WITH_TRAILER("STREAMING-UNSIGNED-PAYLOAD-TRAILER", false, true);

    static final String HEADER = "x-amz-content-sha256";
    static final String DECODED_LENGTH = "x-amz-decoded-content-length";

    private final String hashValue;
    private final boolean signedChunks;
    private final boolean trailer;

    StreamingPayload(String hashValue, boolean signedChunks, boolean trailer) {
        this.hashValue = hashValue;
        this.signedChunks = signedChunks;
        this.trailer = trailer;
    }

    /**
     * @return the mode the head announces, or {@code null} for a payload that is not streamed in chunks
     * @throws StrategyException {@link StrategyException.Kind#UNSUPPORTED_REQUEST} for other {@code STREAMING-}
     *                           values (SigV4a's ECDSA chunk signatures)
     */
    static StreamingPayload of(HttpHeaders headers) {
        String value = headers.get(HEADER);
        if (value == null || !value.regionMatches(true, 0, "STREAMING-", 0, 10)) {
            return null;
        }
        for (StreamingPayload mode : values()) {
            if (mode.hashValue.equalsIgnoreCase(value.trim())) {
                return mode;
            }
        }
        throw new StrategyException(StrategyException.Kind.UNSUPPORTED_REQUEST, StrategyType.AWS_SIGV4, HEADER,
                "x-amz-content-sha256 streaming mode is not supported (supported: STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                        + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER)");
    }

    /** The payload hash of the canonical request. */
    String hashValue() {
        return hashValue;
    }

    boolean signedChunks() {
        return signedChunks;
    }

    boolean trailer() {
        return trailer;
    }

    /** {@code x-amz-decoded-content-length}, which the chunk sizes must add up to. */
    static long decodedLength(HttpHeaders headers) {
        String value = headers.get(DECODED_LENGTH);
        if (value == null || value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new MalformedBodyException("aws-chunked body: " + DECODED_LENGTH
                    + (value == null ? " is missing" : " is not a decimal number of bytes"));
        }
        return Long.parseLong(value);
    }
}
