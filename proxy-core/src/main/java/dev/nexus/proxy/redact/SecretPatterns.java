package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The byte patterns of one lease's secrets compiled into an Aho-Corasick automaton: a dense DFA over
 * byte classes (the distinct bytes of the patterns plus one class for every other byte), so each
 * scanned byte costs two array reads and no allocation. Immutable and shared by every exchange that
 * uses the lease.
 *
 * <p>In the start state the scan skips ahead ({@link SkipFilter}); only where the filter fires does the
 * automaton run, byte by byte, until it is back in the start state.
 */
public final class SecretPatterns {

    /**
     * Shorter values are not looked for. Masking every occurrence of a short string would mangle
     * ordinary responses, and would let an agent that can make the origin echo chosen bytes confirm
     * guesses of a short secret (at 8 printable bytes there are ~6.6e15 candidates).
     */
    public static final int MIN_SECRET_BYTES = 8;

    /**
     * The longest window the start-state filter looks at: longer windows would stride further but put
     * more 4-grams into its table, so ordinary text would fire the filter more often.
     */
    static final int MAX_WINDOW = 64;

    /** What an occurrence is overwritten with, byte for byte. */
    static final byte MARKER = '*';

    /** No patterns: nothing is ever found. */
    public static final SecretPatterns NONE = new SecretPatterns(List.of());

    /** Receives each occurrence found, at the index of its last byte. */
    interface MatchListener {
        void matched(int lastIndex, int length);
    }

    private final int patternCount;
    private final int shortest;
    private final int longest;
    private final int[] byteClass = new int[256];
    private final int classes;
    /** Next state offset (state number times {@link #classes}); {@code ~offset} when that state ends a match. */
    private final int[] delta;
    /** Per state: the longest pattern ending there, or 0. */
    private final int[] matchLength;
    /** Per state: how many trailing bytes may still become part of a match (at most longest - 1). */
    private final int[] holdDepth;
    private final SkipFilter filter;

    private SecretPatterns(List<byte[]> patterns) {
        this.patternCount = patterns.size();
        this.shortest = patterns.stream().mapToInt(p -> p.length).min().orElse(0);
        this.longest = patterns.stream().mapToInt(p -> p.length).max().orElse(0);
        this.filter = new SkipFilter(patterns, MAX_WINDOW);
        int next = 1;
        for (byte[] pattern : patterns) {
            if (pattern.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("pattern shorter than " + MIN_SECRET_BYTES + " bytes");
            }
            for (byte b : pattern) {
                if (byteClass[b & 0xFF] == 0) {
                    byteClass[b & 0xFF] = next++;
                }
            }
        }
        this.classes = next;
        Trie trie = new Trie(patterns, byteClass, classes);
        int states = trie.size;
        this.delta = new int[states * classes];
        this.matchLength = new int[states];
        this.holdDepth = new int[states];
        compile(trie);
    }

    /**
     * @param patterns each at least {@link #MIN_SECRET_BYTES} long; duplicates are ignored
     */
    public static SecretPatterns compile(List<byte[]> patterns) {
        Set<String> seen = new LinkedHashSet<>();
        List<byte[]> distinct = patterns.stream()
                .filter(p -> seen.add(new String(p, StandardCharsets.ISO_8859_1))).toList();
        return distinct.isEmpty() ? NONE : new SecretPatterns(distinct);
    }

    /** Breadth-first over the trie: failure links folded into full transitions, outputs and hold depths. */
    private void compile(Trie trie) {
        int[] fail = new int[trie.size];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < classes; c++) {
            int child = trie.child(0, c);
            delta[c] = Math.max(child, 0);
            if (child > 0) {
                queue.add(child);
            }
        }
        holdDepth[0] = 0;
        while (!queue.isEmpty()) {
            int s = queue.poll();
            matchLength[s] = trie.terminal[s] ? trie.depth[s] : matchLength[fail[s]];
            holdDepth[s] = trie.hasChildren(s) ? trie.depth[s] : holdDepth[fail[s]];
            for (int c = 0; c < classes; c++) {
                int child = trie.child(s, c);
                if (child > 0) {
                    fail[child] = delta[fail[s] * classes + c];
                    delta[s * classes + c] = child;
                    queue.add(child);
                } else {
                    delta[s * classes + c] = delta[fail[s] * classes + c];
                }
            }
        }
        for (int i = 0; i < delta.length; i++) {
            int target = delta[i];
            delta[i] = matchLength[target] > 0 ? ~(target * classes) : target * classes;
        }
    }

    public boolean isEmpty() {
        return patternCount == 0;
    }

    public int size() {
        return patternCount;
    }

    /** The most bytes a stream scan ever holds back: the longest pattern minus one. */
    public int maxHeldBytes() {
        return Math.max(0, longest - 1);
    }

    /** The start state, in which nothing is held back. */
    static int startState() {
        return 0;
    }

    /** How many trailing bytes of what was scanned may still become part of an occurrence. */
    int holdDepth(int state) {
        return holdDepth[state / classes];
    }

    /**
     * Runs the automaton over the readable bytes of {@code piece} from {@code state}, reporting every
     * occurrence that ends there (at its index from the reader index; an occurrence may begin in bytes
     * scanned earlier). Reads the piece's memory in place when it has an address (a direct buffer),
     * else through a {@link ByteBuffer} view (a merged copy for a composite buffer).
     *
     * @return the state after the last byte
     */
    int scan(ByteBuf piece, int state, MatchListener listener) {
        int length = piece.readableBytes();
        if (piece.hasMemoryAddress() && PlatformDependent.hasUnsafe()) {
            return scan(piece.memoryAddress() + piece.readerIndex(), length, state, listener);
        }
        return scan(piece.nioBuffer().order(ByteOrder.LITTLE_ENDIAN), length, state, listener);
    }

    // Both scans leave the last bytes, fewer than a window, to the automaton without asking the filter.
    private int scan(long address, int length, int state, MatchListener listener) {
        int s = state;
        int lastWindow = length - filter.window();
        for (int i = 0; i < length; i++) {
            if (s == 0 && i <= lastWindow) {
                i = filter.skip(address, i, length);
            }
            s = step(s, PlatformDependent.getByte(address + i), i, listener);
        }
        return s;
    }

    private int scan(ByteBuffer view, int length, int state, MatchListener listener) {
        int s = state;
        int lastWindow = length - filter.window();
        for (int i = 0; i < length; i++) {
            if (s == 0 && i <= lastWindow) {
                i = filter.skip(view, i, length);
            }
            s = step(s, view.get(i), i, listener);
        }
        return s;
    }

    /** The automaton's move on byte {@code b} at {@code i}; reports an occurrence that ends there. */
    private int step(int s, byte b, int i, MatchListener listener) {
        int t = delta[s + byteClass[b & 0xFF]];
        if (t >= 0) {
            return t;
        }
        listener.matched(i, matchLength[~t / classes]);
        return ~t;
    }

    /**
     * The text with every occurrence overwritten by {@link #MARKER}, or {@code null} when there is none.
     * Characters are taken as the ISO-8859-1 bytes HTTP headers are made of.
     *
     * @param found {@code found[0]} is increased by the number of occurrences
     */
    String redact(CharSequence text, long[] found) {
        if (text.length() < shortest) {
            return null; // most header names and many values: too short to hold any spelling
        }
        char[] masked = null;
        int s = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int t = delta[s + (c > 0xFF ? 0 : byteClass[c])];
            if (t < 0) {
                s = ~t;
                found[0]++;
                if (masked == null) {
                    masked = text.toString().toCharArray();
                }
                Arrays.fill(masked, i - matchLength[s / classes] + 1, i + 1, (char) MARKER);
            } else {
                s = t;
            }
        }
        return masked == null ? null : new String(masked);
    }

    /** The plain trie the automaton is built from: children per byte class, depth and end-of-pattern marks. */
    private static final class Trie {
        private int[] children;
        private final int classes;
        private final int[] depth;
        private final boolean[] terminal;
        private int size = 1;

        Trie(List<byte[]> patterns, int[] byteClass, int classes) {
            int maxStates = 1 + patterns.stream().mapToInt(p -> p.length).sum();
            this.classes = classes;
            this.children = new int[maxStates * classes];
            this.depth = new int[maxStates];
            this.terminal = new boolean[maxStates];
            for (byte[] pattern : patterns) {
                int s = 0;
                for (byte b : pattern) {
                    int slot = s * classes + byteClass[b & 0xFF];
                    if (children[slot] == 0) {
                        depth[size] = depth[s] + 1;
                        children[slot] = size++;
                    }
                    s = children[slot];
                }
                terminal[s] = true;
            }
        }

        /** The child of {@code state} for {@code byteClass}, or 0 for none (the root is never a child). */
        int child(int state, int c) {
            return children[state * classes + c];
        }

        boolean hasChildren(int state) {
            for (int c = 0; c < classes; c++) {
                if (children[state * classes + c] != 0) {
                    return true;
                }
            }
            return false;
        }
    }
}
