package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The worked example of the S3 API reference, "Signature Calculations for the Authorization Header:
 * Transferring Payload in Multiple Chunks" (and its trailing-header variant): PUT
 * /examplebucket/chunkObject.txt, 65536 + 1024 bytes of 'a' in chunks of 64 KiB, key
 * AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 20130524T000000Z, us-east-1, s3.
 * Also builds aws-chunked bodies as a client would, for any key and seed.
 */
final class AwsChunkedExample {

    static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String AMZ_DATE = "20130524T000000Z";
    static final int DECODED_LENGTH = 66560;
    static final int CHUNK = 65536;

    private AwsChunkedExample() {
    }

    /** The head as the documentation signs it (every header listed, Content-Length included). */
    static HttpHeaders headers(String contentSha256, String trailer) {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Host", "s3.amazonaws.com")
                .add("x-amz-date", AMZ_DATE)
                .add("x-amz-storage-class", "REDUCED_REDUNDANCY")
                .add("x-amz-content-sha256", contentSha256)
                .add("Content-Encoding", "aws-chunked")
                .add("x-amz-decoded-content-length", String.valueOf(DECODED_LENGTH));
        if (trailer == null) {
            headers.add("Content-Length", "66824");
        } else {
            headers.add("x-amz-trailer", trailer);
        }
        return headers;
    }

    static String seedSignature(HttpHeaders headers) {
        SigV4Canonicalizer.CanonicalHeaders canonical = SigV4Canonicalizer.canonicalHeaders(headers, name -> true);
        String canonicalRequest = SigV4Canonicalizer.canonicalRequest("PUT", "/examplebucket/chunkObject.txt", "",
                canonical, headers.get("x-amz-content-sha256"));
        return SigV4Signer.signature(SECRET_KEY, "us-east-1", "s3", AMZ_DATE, canonicalRequest);
    }

    static SigV4ChunkChain chain(String secretKey, String seed) {
        return chain(secretKey, AMZ_DATE, "us-east-1", seed);
    }

    static SigV4ChunkChain chain(String secretKey, String amzDate, String region, String seed) {
        return new SigV4ChunkChain(SigV4Signer.signingKey(secretKey, amzDate.substring(0, 8), region, "s3"), amzDate,
                SigV4Signer.scope(amzDate, region, "s3"), seed);
    }

    /** A signature of a {@link SigV4ChunkChain} (64 ASCII hex digits) as text. */
    static String text(byte[] signature) {
        return new String(signature, StandardCharsets.US_ASCII);
    }

    static byte[] data() {
        byte[] data = new byte[DECODED_LENGTH];
        Arrays.fill(data, (byte) 'a');
        return data;
    }

    /**
     * The body a client sends: chunks of {@link #CHUNK} bytes signed along {@code chain} (unsigned when
     * {@code null}), the final chunk, then the trailer lines (signed when {@code chain} is set) and CRLF.
     */
    static byte[] body(byte[] data, SigV4ChunkChain chain, String... trailerLines) {
        StringBuilder out = new StringBuilder();
        int offset = 0;
        int size;
        do {
            size = Math.min(CHUNK, data.length - offset);
            byte[] chunk = Arrays.copyOfRange(data, offset, offset + size);
            out.append(Integer.toHexString(size));
            if (chain != null) {
                out.append(";chunk-signature=").append(text(chain.nextChunk(Digests.sha256(chunk))));
            }
            out.append("\r\n");
            if (size > 0) {
                out.append(new String(chunk, StandardCharsets.ISO_8859_1)).append("\r\n");
            }
            offset += size;
        } while (size > 0);
        StringBuilder canonical = new StringBuilder();
        for (String line : trailerLines) {
            out.append(line).append("\r\n");
            canonical.append(line).append('\n');
        }
        if (chain != null && trailerLines.length > 0) {
            out.append("x-amz-trailer-signature:")
                    .append(text(chain.trailer(Digests.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8))))).append("\r\n");
        }
        return out.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds {@code body} in pieces of {@code pieceSize} bytes and collects what the signer forwards. */
    static byte[] stream(StreamingBodySigner signer, byte[] body, int pieceSize) {
        ByteBuf forwarded = Unpooled.buffer();
        try {
            for (int offset = 0; offset < body.length; offset += pieceSize) {
                ByteBuf out = signer.feed(Unpooled.copiedBuffer(body, offset, Math.min(pieceSize, body.length - offset)));
                forwarded.writeBytes(out);
                out.release();
            }
            ByteBuf last = signer.end();
            forwarded.writeBytes(last);
            last.release();
            byte[] bytes = new byte[forwarded.readableBytes()];
            forwarded.readBytes(bytes);
            return bytes;
        } finally {
            forwarded.release();
            signer.release();
        }
    }
}
