package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Redacts one byte stream that arrives in pieces (a body, the bytes after a WebSocket upgrade):
 * every occurrence of a secret is overwritten with {@code *} bytes of the same length, wherever the
 * piece boundaries fall. Pieces are changed in place; only the last few bytes of a piece that could
 * still be the beginning of a secret are held back (at most the longest pattern minus one, and
 * usually none), to be passed on with the next piece or at the end.
 *
 * <p>One instance per stream, used on one thread. The only allocation on the way is a small buffer
 * for held-back bytes when a piece ended inside a possible secret.
 */
public final class StreamRedactor implements SecretPatterns.MatchListener {

    private final SecretPatterns patterns;
    private final byte[] held;
    private int heldLength;
    private int state = SecretPatterns.startState();
    private long redactions;
    /** The piece being scanned and where its first byte is, for {@link #matched}. */
    private ByteBuf piece;
    private int pieceStart;

    public StreamRedactor(SecretPatterns patterns) {
        this.patterns = patterns;
        this.held = new byte[patterns.maxHeldBytes()];
    }

    /** How many occurrences were overwritten so far. */
    public long redactions() {
        return redactions;
    }

    /**
     * Redacts {@code in} and passes on, in order, what can no longer be part of a secret: zero, one or
     * two buffers. Takes over {@code in} (it is passed on or released).
     */
    public void redact(ByteBuf in, ByteBufAllocator alloc, Consumer<ByteBuf> out) {
        if (patterns.isEmpty()) {
            out.accept(in);
            return;
        }
        if (in.isReadOnly()) {
            ByteBuf copy = alloc.buffer(in.readableBytes()).writeBytes(in);
            in.release();
            in = copy;
        }
        int length = in.readableBytes();
        piece = in;
        pieceStart = in.readerIndex();
        // Read in place (or from a merged copy of a composite buffer); masking writes go through the ByteBuf.
        state = patterns.scan(in, state, this);
        piece = null;
        int keep = patterns.holdDepth(state);
        if (keep == 0) {
            passHeld(heldLength, alloc, out);
            out.accept(in);
        } else if (keep <= length) {
            passHeld(heldLength, alloc, out);
            in.getBytes(in.writerIndex() - keep, held, 0, keep);
            heldLength = keep;
            in.writerIndex(in.writerIndex() - keep);
            passOrRelease(in, out);
        } else {
            // The possible secret began in bytes held earlier: keep their tail and all of this piece.
            passHeld(heldLength + length - keep, alloc, out);
            in.readBytes(held, heldLength, length);
            heldLength += length;
            in.release();
        }
    }

    /** The end of the stream: the bytes still held (no secret among them), or {@code null}. */
    public ByteBuf finish(ByteBufAllocator alloc) {
        state = SecretPatterns.startState();
        if (heldLength == 0) {
            return null;
        }
        ByteBuf rest = alloc.buffer(heldLength).writeBytes(held, 0, heldLength);
        heldLength = 0;
        return rest;
    }

    @Override
    public void matched(int lastIndex, int length) {
        redactions++;
        int first = lastIndex - length + 1;
        for (int i = Math.max(first, 0); i <= lastIndex; i++) {
            piece.setByte(pieceStart + i, SecretPatterns.MARKER);
        }
        if (first < 0) {
            Arrays.fill(held, heldLength + first, heldLength, SecretPatterns.MARKER);
        }
    }

    /** Passes on the first {@code count} held bytes; the rest move to the front. */
    private void passHeld(int count, ByteBufAllocator alloc, Consumer<ByteBuf> out) {
        if (count == 0) {
            return;
        }
        out.accept(alloc.buffer(count).writeBytes(held, 0, count));
        System.arraycopy(held, count, held, 0, heldLength - count);
        heldLength -= count;
    }

    private static void passOrRelease(ByteBuf buf, Consumer<ByteBuf> out) {
        if (buf.isReadable()) {
            out.accept(buf);
        } else {
            buf.release();
        }
    }
}
