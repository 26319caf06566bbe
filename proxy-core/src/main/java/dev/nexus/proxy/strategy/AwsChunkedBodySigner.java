package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Streams an aws-chunked body ({@code Content-Encoding: aws-chunked}) to the origin, parsing its framing
 * as the pieces arrive (a chunk header may be split across pieces):
 * <pre>
 *   hex-size;chunk-signature=64-hex CRLF data CRLF ... 0;chunk-signature=64-hex CRLF [trailer lines] CRLF
 * </pre>
 * With a {@code signer} (the {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]} modes) every chunk
 * signature and the {@code x-amz-trailer-signature} are replaced by the real key's, each chained on the
 * previous one: a chunk is held until it is complete (its signature covers its data), then sent whole,
 * so at most one chunk is in memory. Signatures are 64 hex digits either way, so the body keeps its
 * length. With a {@code verifier} the agent's own signatures must match its placeholder key. Without a
 * signer ({@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}) the chunks have no signatures and pass through as
 * they arrive, framing still checked.
 *
 * <p>The chunk sizes must add up to {@code x-amz-decoded-content-length} exactly.
 */
final class AwsChunkedBodySigner implements StreamingBodySigner {

    private static final int MAX_LINE = 1024;
    private static final int MAX_TRAILERS = 16;
    private static final String CHUNK_SIGNATURE = ";chunk-signature=";
    private static final String TRAILER_SIGNATURE = "x-amz-trailer-signature";
    private static final int SIGNATURE_LENGTH = 64;

    private enum State { SIZE_LINE, DATA, DATA_CRLF, TRAILER, DONE, FAILED }

    private final SigV4ChunkChain signer;
    private final SigV4ChunkChain verifier;
    private final boolean trailerAllowed;
    private final long decodedLength;
    private final long maxChunkBytes;
    private final StringBuilder line = new StringBuilder(96);
    private final List<String> trailers = new ArrayList<>(2);

    private State state = State.SIZE_LINE;
    private long decodedSoFar;
    private long chunkNumber;
    private long remaining;
    private int crlfSeen;
    private String sizeText;
    private String agentSignature;
    private CompositeByteBuf chunkData;

    /**
     * @param signer         the real key's chain, or {@code null} for unsigned chunks
     * @param verifier       the agent's placeholder key's chain, or {@code null} not to verify
     * @param trailerAllowed whether trailer lines may follow the final chunk
     * @param decodedLength  {@code x-amz-decoded-content-length}
     * @param maxChunkBytes  the largest signed chunk held in memory
     */
    AwsChunkedBodySigner(SigV4ChunkChain signer, SigV4ChunkChain verifier, boolean trailerAllowed, long decodedLength,
                         long maxChunkBytes) {
        this.signer = signer;
        this.verifier = signer == null ? null : verifier;
        this.trailerAllowed = trailerAllowed;
        this.decodedLength = decodedLength;
        this.maxChunkBytes = maxChunkBytes;
    }

    @Override
    public ByteBuf feed(ByteBuf piece) {
        CompositeByteBuf out = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        try {
            if (state == State.FAILED) {
                throw new MalformedBodyException("aws-chunked body: already rejected");
            }
            while (piece.isReadable()) {
                if (!step(piece, out)) {
                    break;
                }
            }
            return out;
        } catch (MalformedBodyException e) {
            out.release();
            release();
            state = State.FAILED;
            throw e;
        } finally {
            piece.release();
        }
    }

    @Override
    public ByteBuf end() {
        if (state != State.DONE) {
            State was = state;
            release();
            state = State.FAILED;
            throw new MalformedBodyException(was == State.FAILED ? "aws-chunked body: already rejected"
                    : "aws-chunked body: ended inside chunk " + chunkNumber + " after " + decodedSoFar
                    + " of " + decodedLength + " decoded bytes, before the final chunk");
        }
        return Unpooled.EMPTY_BUFFER;
    }

    @Override
    public void release() {
        if (chunkData != null) {
            chunkData.release();
            chunkData = null;
        }
    }

    /** Consumes what it can of {@code in}; {@code false} when it needs more input. */
    private boolean step(ByteBuf in, CompositeByteBuf out) {
        switch (state) {
            case SIZE_LINE -> {
                String header = readLine(in, "the header of chunk " + (chunkNumber + 1));
                if (header == null) {
                    return false;
                }
                onChunkHeader(header, out);
            }
            case DATA -> {
                int take = (int) Math.min(remaining, in.readableBytes());
                ByteBuf data = in.readRetainedSlice(take);
                if (signer != null) {
                    chunkData.addComponent(true, data);
                } else {
                    out.addComponent(true, data);
                }
                remaining -= take;
                if (remaining == 0) {
                    state = State.DATA_CRLF;
                }
            }
            case DATA_CRLF -> {
                byte b = in.readByte();
                if (b != (crlfSeen == 0 ? '\r' : '\n')) {
                    throw fail("chunk " + chunkNumber + " is not followed by CRLF after its " + sizeOf() + " bytes");
                }
                if (++crlfSeen == 2) {
                    completeChunk(out);
                }
            }
            case TRAILER -> {
                String trailer = readLine(in, "a trailer line");
                if (trailer == null) {
                    return false;
                }
                onTrailerLine(trailer, out);
            }
            default -> throw fail("data after the final chunk");
        }
        return true;
    }

    private void onChunkHeader(String header, CompositeByteBuf out) {
        chunkNumber++;
        int semicolon = header.indexOf(';');
        sizeText = semicolon < 0 ? header : header.substring(0, semicolon);
        long size = parseSize(sizeText);
        if (signer != null) {
            agentSignature = semicolon < 0 ? "" : header.substring(semicolon);
            if (!agentSignature.startsWith(CHUNK_SIGNATURE) || !isHexSignature(agentSignature.substring(CHUNK_SIGNATURE.length()))) {
                throw fail("chunk " + chunkNumber + " has no chunk-signature of " + SIGNATURE_LENGTH + " hex digits");
            }
            agentSignature = agentSignature.substring(CHUNK_SIGNATURE.length());
        } else if (semicolon >= 0) {
            throw fail("chunk " + chunkNumber + " carries an extension, but the payload is declared unsigned");
        }
        if (size > decodedLength - decodedSoFar) {
            throw fail("chunk " + chunkNumber + " declares " + size + " bytes, more than the " + (decodedLength - decodedSoFar)
                    + " left of x-amz-decoded-content-length " + decodedLength);
        }
        if (signer != null && size > maxChunkBytes) {
            throw fail("chunk " + chunkNumber + " declares " + size + " bytes; signed chunks may hold at most " + maxChunkBytes);
        }
        decodedSoFar += size;
        remaining = size;
        crlfSeen = 0;
        if (size == 0) {
            if (decodedSoFar != decodedLength) {
                throw fail("the final chunk came after " + decodedSoFar + " bytes, but x-amz-decoded-content-length is "
                        + decodedLength);
            }
            emitChunk(out, Unpooled.EMPTY_BUFFER);
            state = State.TRAILER;
            return;
        }
        if (signer != null) {
            chunkData = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        } else {
            out.addComponent(true, ascii(header + "\r\n"));
        }
        state = State.DATA;
    }

    private void completeChunk(CompositeByteBuf out) {
        if (signer != null) {
            ByteBuf data = chunkData;
            chunkData = null;
            emitChunk(out, data);
        } else {
            out.addComponent(true, ascii("\r\n"));
        }
        state = State.SIZE_LINE;
    }

    /** Signs (and verifies) a complete chunk and adds it to {@code out}, taking over {@code data}. */
    private void emitChunk(CompositeByteBuf out, ByteBuf data) {
        if (signer == null) {
            out.addComponent(true, ascii(sizeText + "\r\n"));
            return;
        }
        try {
            byte[] hash = Digests.sha256(data);
            if (verifier != null && !sameSignature(verifier.nextChunk(hash), agentSignature)) {
                throw fail("the chunk-signature of chunk " + chunkNumber + " was not made with the agent's signing key");
            }
            out.addComponent(true, ascii(sizeText + CHUNK_SIGNATURE + signer.nextChunk(hash) + "\r\n"));
        } catch (MalformedBodyException e) {
            data.release();
            throw e;
        }
        if (data.isReadable()) {
            out.addComponent(true, data);
            out.addComponent(true, ascii("\r\n"));
        } else {
            data.release();
        }
    }

    private void onTrailerLine(String trailer, CompositeByteBuf out) {
        if (!trailer.isEmpty()) {
            int colon = trailer.indexOf(':');
            if (!trailerAllowed) {
                throw fail("a trailer follows the final chunk, but x-amz-content-sha256 announces none");
            }
            if (colon <= 0 || trailers.size() == MAX_TRAILERS) {
                throw fail(colon <= 0 ? "a trailer line has no name:value" : "more than " + MAX_TRAILERS + " trailer lines");
            }
            trailers.add(trailer);
            return;
        }
        if (signer != null && trailerAllowed) {
            signTrailers(out);
        } else {
            StringBuilder block = new StringBuilder();
            trailers.forEach(t -> block.append(t).append("\r\n"));
            out.addComponent(true, ascii(block.append("\r\n").toString()));
        }
        state = State.DONE;
    }

    /** The trailer lines as sent, then the real key's {@code x-amz-trailer-signature}, then the blank line. */
    private void signTrailers(CompositeByteBuf out) {
        StringBuilder canonical = new StringBuilder();
        StringBuilder block = new StringBuilder();
        String agentTrailerSignature = null;
        for (String trailer : trailers) {
            int colon = trailer.indexOf(':');
            String name = trailer.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = trailer.substring(colon + 1).trim();
            if (name.equals(TRAILER_SIGNATURE)) {
                agentTrailerSignature = value;
                continue;
            }
            canonical.append(name).append(':').append(value).append('\n');
            block.append(trailer).append("\r\n");
        }
        if (agentTrailerSignature == null || !isHexSignature(agentTrailerSignature)) {
            throw fail("the trailer has no " + TRAILER_SIGNATURE + " of " + SIGNATURE_LENGTH + " hex digits");
        }
        byte[] hash = Digests.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
        if (verifier != null && !sameSignature(verifier.trailer(hash), agentTrailerSignature)) {
            throw fail("the " + TRAILER_SIGNATURE + " was not made with the agent's signing key");
        }
        block.append(TRAILER_SIGNATURE).append(':').append(signer.trailer(hash)).append("\r\n\r\n");
        out.addComponent(true, ascii(block.toString()));
    }

    /**
     * Appends {@code in}'s bytes up to the next LF to the pending line.
     *
     * @return the complete line without CRLF, or {@code null} when its end has not arrived yet
     */
    private String readLine(ByteBuf in, String what) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, in.writerIndex(), (byte) '\n');
        int end = lf < 0 ? in.writerIndex() : lf;
        if (line.length() + (end - start) > MAX_LINE) {
            throw fail(what + " is longer than " + MAX_LINE + " bytes");
        }
        for (int i = start; i < end; i++) {
            line.append((char) (in.getByte(i) & 0xFF));
        }
        in.readerIndex(lf < 0 ? end : lf + 1);
        if (lf < 0) {
            return null;
        }
        if (line.length() == 0 || line.charAt(line.length() - 1) != '\r') {
            throw fail(what + " does not end with CRLF");
        }
        String complete = line.substring(0, line.length() - 1);
        line.setLength(0);
        return complete;
    }

    private long parseSize(String text) {
        if (text.isEmpty() || text.length() > 15) {
            throw fail("chunk " + chunkNumber + " has a size of " + text.length() + " characters, not 1 to 15 hex digits");
        }
        long size = 0;
        for (int i = 0; i < text.length(); i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                throw fail("chunk " + chunkNumber + " has a size that is not hexadecimal");
            }
            size = size * 16 + digit;
        }
        return size;
    }

    private long sizeOf() {
        return parseSize(sizeText);
    }

    private static boolean isHexSignature(String text) {
        if (text.length() != SIGNATURE_LENGTH) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameSignature(String expected, String sent) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), sent.getBytes(StandardCharsets.US_ASCII));
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static MalformedBodyException fail(String problem) {
        return new MalformedBodyException("aws-chunked body: " + problem);
    }
}
