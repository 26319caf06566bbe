package dev.nexus.proxy.redact;

import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where a scan in the start state may skip ahead. With {@code m} the window length (the shortest
 * pattern's length, at most {@link SecretPatterns#MAX_WINDOW}), if the four bytes ending a window of
 * {@code m} bytes are not (by hash) a 4-gram found in the first {@code m} bytes of some pattern, no
 * occurrence starts in the first {@code m - 3} bytes of the window, and the scan moves on by that much.
 *
 * <p>A window costs one 4-byte read, a multiply, a shift and a byte test, and nothing waits for the
 * previous window: the stride is fixed (not a shift looked up per window) and the loop is counted, so
 * the processor tests several windows at once. The table holds one byte per hash rather than one bit
 * (a bit test costs several more instructions per window; at a 19-byte window this halved the scan's
 * time), and 4-grams rather than trigrams, which need no shift and fire on ordinary text far less often.
 * Buffers with a memory address (Netty's direct buffers) are read in place, without the bounds and
 * liveness checks of a {@link ByteBuffer}; others through a {@link ByteBuffer}.
 */
final class SkipFilter {

    /** 8 KiB of table per set of patterns; at a few dozen 4-grams per pattern few windows fire by chance. */
    private static final int HASH_BITS = 13;

    /** Non-zero at the hash of every 4-gram found in the first {@link #window} bytes of a pattern. */
    private final byte[] fourGrams = new byte[1 << HASH_BITS];
    private final int window;

    /** @param patterns at least 4 bytes long each */
    SkipFilter(List<byte[]> patterns, int maxWindow) {
        this.window = Math.min(maxWindow, patterns.stream().mapToInt(p -> p.length).min().orElse(maxWindow));
        for (byte[] pattern : patterns) {
            for (int k = 0; k + 3 < window; k++) {
                fourGrams[slot((pattern[k] & 0xFF) | (pattern[k + 1] & 0xFF) << 8 | (pattern[k + 2] & 0xFF) << 16
                        | (pattern[k + 3] & 0xFF) << 24)] = 1;
            }
        }
    }

    /** The window length: the shortest pattern's, at most the maximum given. */
    int window() {
        return window;
    }

    /**
     * From {@code i}, in the start state, with a window's worth of bytes left: the first position of
     * {@code view} (little-endian) where an occurrence may start, or where too few bytes are left for a
     * window (the automaton takes those); always before {@code to}.
     */
    int skip(ByteBuffer view, int i, int to) {
        final byte[] table = fourGrams;
        final int stride = window - 3;
        // The 4-byte read that ends at a window's last byte.
        final int lastWord = window - 4;
        int at = i + lastWord;
        for (int w = windows(i, to); w > 0; w--) {
            if (table[slot(view.getInt(at))] != 0) {
                break;
            }
            at += stride;
        }
        return at - lastWord;
    }

    /** {@link #skip(ByteBuffer, int, int)} over the memory at {@code address}; needs Unsafe. */
    int skip(long address, int i, int to) {
        final byte[] table = fourGrams;
        final int stride = window - 3;
        final int lastWord = window - 4;
        long at = address + i + lastWord;
        for (int w = windows(i, to); w > 0; w--) {
            int word = PlatformDependent.getInt(at);
            if (PlatformDependent.getByte(table, slot(PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? Integer.reverseBytes(word) : word)) != 0) {
                break;
            }
            at += stride;
        }
        return (int) (at - address) - lastWord;
    }

    /**
     * How many windows fit in {@code [i, to)}, striding by the window minus 3. Counted rather than tested
     * per window: the JIT compiles a loop with a counter that steps by one markedly better (~15 %) than
     * one striding by a variable.
     */
    private int windows(int i, int to) {
        return to - i >= window ? (to - i - window) / (window - 3) + 1 : 0;
    }

    /** The table slot of a 4-gram (first byte lowest): its top bits after a multiply, so similar 4-grams land apart. */
    private static int slot(int fourGram) {
        return (fourGram * 0x9E3779B1) >>> (32 - HASH_BITS);
    }
}
