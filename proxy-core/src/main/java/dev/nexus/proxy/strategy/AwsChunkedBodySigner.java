package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * length. The chunk is hashed as its pieces arrive (once, for both chains) and held as retained slices
 * of the agent's buffers: what goes upstream is the new header, those same slices and the CRLF, never a
 * copy of the data (see {@link ChunkFraming} for why the framing is direct). With a {@code verifier} the
 * agent's own signatures must match its placeholder key. Without a signer
 * ({@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}) the chunks have no signatures and pass through as they
 * arrive, framing still checked.
 *
 * <p>The chunk sizes must add up to {@code x-amz-decoded-content-length} exactly.
 */
final class AwsChunkedBodySigner implements StreamingBodySigner {

    private static final int MAX_LINE = 1024;
    private static final int MAX_TRAILERS = 16;
    private static final String CHUNK_SIGNATURE = ChunkFraming.CHUNK_SIGNATURE;
    private static final String TRAILER_SIGNATURE = "x-amz-trailer-signature";
    private static final int SIGNATURE_LENGTH = SigV4ChunkChain.SIGNATURE_LENGTH;

    private enum State { SIZE_LINE, DATA, DATA_CRLF, TRAILER, DONE, FAILED }

    private final SigV4ChunkChain signer;
    private final SigV4ChunkChain verifier;
    private final boolean trailerAllowed;
    private final long decodedLength;
    private final long maxChunkBytes;
    private final StringBuilder line = new StringBuilder(96);
    private final List<String> trailers = new ArrayList<>(2);
    /** The current chunk's data, retained slices in order (signed chunks only). */
    private final List<ByteBuf> chunkData = new ArrayList<>(4);
    private final byte[] agentSignature = new byte[SIGNATURE_LENGTH];
    private final MessageDigest chunkDigest;

    private State state = State.SIZE_LINE;
    private long decodedSoFar;
    private long chunkNumber;
    private long remaining;
    private int crlfSeen;
    private String sizeText;
    private ByteBufAllocator alloc;

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
        this.chunkDigest = signer == null ? null : Digests.newSha256();
    }

    @Override
    public ByteBuf feed(ByteBuf piece) {
        alloc = piece.alloc();
        CompositeByteBuf out = alloc.compositeBuffer(Integer.MAX_VALUE);
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
        chunkData.forEach(ByteBuf::release);
        chunkData.clear();
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
                    chunkData.add(data);
                    Digests.update(chunkDigest, data);
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
            if (semicolon < 0 || !header.startsWith(CHUNK_SIGNATURE, semicolon)
                    || !isHexSignature(header, semicolon + CHUNK_SIGNATURE.length())) {
                throw fail("chunk " + chunkNumber + " has no chunk-signature of " + SIGNATURE_LENGTH + " hex digits");
            }
            for (int i = 0; i < SIGNATURE_LENGTH; i++) {
                agentSignature[i] = (byte) header.charAt(semicolon + CHUNK_SIGNATURE.length() + i);
            }
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
            emitChunk(out);
            state = State.TRAILER;
            return;
        }
        if (signer == null) {
            out.addComponent(true, ChunkFraming.unsignedHeader(alloc, header));
        }
        state = State.DATA;
    }

    private void completeChunk(CompositeByteBuf out) {
        if (signer != null) {
            emitChunk(out);
        } else {
            out.addComponent(true, ChunkFraming.crlf(alloc));
        }
        state = State.SIZE_LINE;
    }

    /**
     * Signs (and verifies) the chunk whose data is held (none for the final chunk) and adds it to
     * {@code out}: the new header, the held slices (handed over), the CRLF.
     */
    private void emitChunk(CompositeByteBuf out) {
        if (signer == null) {
            out.addComponent(true, ChunkFraming.unsignedHeader(alloc, sizeText));
            return;
        }
        byte[] hash = chunkDigest.digest(); // also resets it for the next chunk
        if (verifier != null && !MessageDigest.isEqual(verifier.nextChunk(hash), agentSignature)) {
            throw fail("the chunk-signature of chunk " + chunkNumber + " was not made with the agent's signing key");
        }
        out.addComponent(true, ChunkFraming.signedHeader(alloc, sizeText, signer.nextChunk(hash)));
        if (!chunkData.isEmpty()) {
            chunkData.forEach(data -> out.addComponent(true, data));
            chunkData.clear();
            out.addComponent(true, ChunkFraming.crlf(alloc));
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
            out.addComponent(true, ChunkFraming.ascii(alloc, block.append("\r\n")));
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
        if (agentTrailerSignature == null || !isHexSignature(agentTrailerSignature, 0)) {
            throw fail("the trailer has no " + TRAILER_SIGNATURE + " of " + SIGNATURE_LENGTH + " hex digits");
        }
        byte[] hash = Digests.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
        if (verifier != null && !MessageDigest.isEqual(verifier.trailer(hash),
                agentTrailerSignature.getBytes(StandardCharsets.US_ASCII))) {
            throw fail("the " + TRAILER_SIGNATURE + " was not made with the agent's signing key");
        }
        block.append(TRAILER_SIGNATURE).append(':')
                .append(new String(signer.trailer(hash), StandardCharsets.US_ASCII)).append("\r\n\r\n");
        out.addComponent(true, ChunkFraming.ascii(alloc, block));
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

    /** Whether {@code text} holds exactly {@value #SIGNATURE_LENGTH} lower-case hex digits from {@code from} to its end. */
    private static boolean isHexSignature(String text, int from) {
        if (text.length() - from != SIGNATURE_LENGTH) {
            return false;
        }
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static MalformedBodyException fail(String problem) {
        return new MalformedBodyException("aws-chunked body: " + problem);
    }
}
