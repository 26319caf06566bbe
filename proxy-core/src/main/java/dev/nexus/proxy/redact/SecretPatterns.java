package dev.nexus.proxy.redact;

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
 * <p>In the start state the scan skips ahead with a fixed stride. With {@code m} the window length
 * (the shortest pattern's length, at most {@link #MAX_WINDOW}), if the three bytes ending a window of
 * {@code m} bytes are not a trigram found in the first {@code m} bytes of some pattern, no occurrence
 * starts in the first {@code m - 2} bytes of the window and the scan moves on by that much; only where
 * the filter fires does the automaton run, byte by byte, until it is back in the start state. The
 * stride is fixed (not a shift looked up per window) so that the processor can test many windows at
 * once instead of waiting for each lookup, and trigrams (rather than byte pairs, which English-like text
 * hits often) keep ordinary text from firing the filter.
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
     * more trigrams into {@link #grams}, so ordinary text would fire the filter more often.
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
    private final int longest;
    private final int[] byteClass = new int[256];
    private final int classes;
    /** Next state offset (state number times {@link #classes}); {@code ~offset} when that state ends a match. */
    private final int[] delta;
    /** Per state: the longest pattern ending there, or 0. */
    private final int[] matchLength;
    /** Per state: how many trailing bytes may still become part of a match (at most longest - 1). */
    private final int[] holdDepth;
    /** Bit set over 65536 hashes of the trigrams found in the first {@link #window} bytes of a pattern. */
    private final long[] grams = new long[1024];
    private final int window;

    private SecretPatterns(List<byte[]> patterns) {
        this.patternCount = patterns.size();
        this.longest = patterns.stream().mapToInt(p -> p.length).max().orElse(0);
        this.window = Math.min(MAX_WINDOW, patterns.stream().mapToInt(p -> p.length).min().orElse(MIN_SECRET_BYTES));
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
            for (int k = 0; k + 2 < window; k++) {
                int gram = gramHash((pattern[k] & 0xFF) | (pattern[k + 1] & 0xFF) << 8 | (pattern[k + 2] & 0xFF) << 16);
                grams[gram >>> 6] |= 1L << gram;
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
     * Runs the automaton over {@code bytes[from, to)} from {@code state}, reporting every occurrence
     * that ends in that range (an occurrence may begin before {@code from}, in bytes scanned earlier).
     *
     * @return the state after the last byte
     */
    int scan(ByteBuffer bytes, int from, int to, int state, MatchListener listener) {
        final int[] next = delta;
        final int[] classOf = byteClass;
        ByteBuffer view = bytes.order() == ByteOrder.LITTLE_ENDIAN ? bytes : bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int s = state;
        int i = from;
        while (i < to) {
            if (s == 0) {
                i = skipToCandidate(view, i, to);
                if (i >= to) {
                    break;
                }
            }
            int t = next[s + classOf[view.get(i) & 0xFF]];
            if (t < 0) {
                s = ~t;
                listener.matched(i, matchLength[s / classes]);
            } else {
                s = t;
            }
            i++;
        }
        return s;
    }

    /**
     * From {@code i}, in the start state: the first position where an occurrence may start according to
     * the trigram filter, or where too few bytes are left for a window (the automaton takes those).
     * One 4-byte read, a multiply and a bit test per window.
     */
    private int skipToCandidate(ByteBuffer view, int i, int to) {
        final long[] gramBits = grams;
        final int stride = window - 2;
        // The 4-byte read ending at a window's last byte: its upper three bytes are the window's last trigram.
        final int lastWord = window - 4;
        // Counted over the windows that fit before to (not "while a window fits"): the JIT compiles a
        // loop with a counter that steps by one markedly better (~15 % here) than one striding by a variable.
        int windows = to - i >= window ? (to - i - window) / stride + 1 : 0;
        int at = i + lastWord;
        for (int w = 0; w < windows; w++) {
            int gram = gramHash(view.getInt(at) >>> 8);
            if ((gramBits[gram >>> 6] & (1L << gram)) != 0) {
                break;
            }
            at += stride;
        }
        return at - lastWord;
    }

    /** 16 bits of a trigram (first byte lowest), spread so that similar trigrams land apart. */
    private static int gramHash(int trigram) {
        return (trigram * 0x9E3779B1) >>> 16;
    }

    /**
     * The text with every occurrence overwritten by {@link #MARKER}, or {@code null} when there is none.
     * Characters are taken as the ISO-8859-1 bytes HTTP headers are made of.
     *
     * @param found {@code found[0]} is increased by the number of occurrences
     */
    String redact(CharSequence text, long[] found) {
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
