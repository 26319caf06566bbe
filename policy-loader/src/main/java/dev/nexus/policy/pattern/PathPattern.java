package dev.nexus.policy.pattern;

/**
 * One entry of {@code match.paths}, matched against the canonical request path ({@link PathNormalizer}).
 * Without wildcards it is a prefix on segment boundaries ({@code /repos} matches {@code /repos}
 * and {@code /repos/x}, not {@code /repository}). With wildcards it must match the whole path:
 * {@code *} matches within one segment, {@code **} (a whole segment) matches across segments, and a
 * trailing {@code /**} also matches the directory itself ({@code /admin/**} matches {@code /admin}).
 * With {@code ignoreCase} letters match in either case ({@code match.paths_ignore_case}).
 * Specificity is the number of literal characters: more literal text means more specific.
 */
public final class PathPattern {

    private static final String ANY_BELOW = "/**";

    private final String source;
    private final int specificity;
    private final boolean ignoreCase;
    /**
     * What the path must start with, on a segment boundary, when that is the whole rule: the source
     * without wildcards, or {@code /x} of a case-sensitive {@code /x/**} (which matches {@code /x} and
     * everything below it); {@code null} when the glob must be walked.
     */
    private final String prefix;

    private PathPattern(String source, boolean glob, int specificity, boolean ignoreCase) {
        this.source = source;
        this.specificity = specificity;
        this.ignoreCase = ignoreCase;
        this.prefix = !glob ? source : !ignoreCase && isAnyBelow(source) ? source.substring(0, source.length() - 3) : null;
    }

    /** {@code /x/**} with no other wildcard. */
    private static boolean isAnyBelow(String source) {
        return source.endsWith(ANY_BELOW) && source.indexOf('*') == source.length() - 2;
    }

    /** Parses a case-sensitive path pattern; throws {@link PatternException} naming what is wrong. */
    public static PathPattern parse(String text) {
        return parse(text, false);
    }

    /** Parses a path pattern, matching letters in either case when {@code ignoreCase}. */
    public static PathPattern parse(String text, boolean ignoreCase) {
        if (text.isEmpty() || text.charAt(0) != '/') {
            throw invalid(text, "must start with '/'");
        }
        for (char c : new char[] {'?', '#', '%', '[', ']', '\\'}) {
            if (text.indexOf(c) >= 0) {
                throw invalid(text, "character '" + c + "' not allowed; paths are matched after percent-decoding,"
                        + " write the decoded character");
            }
        }
        if (!PathNormalizer.normalize(text).equals(text)) {
            throw invalid(text, "not normalised (no '//', '.' or '..' segments), did you mean \""
                    + PathNormalizer.normalize(text) + "\"?");
        }
        if (text.contains("***")) {
            throw invalid(text, "'***' is not a wildcard; use '*' for one segment or '**' for any number");
        }
        int literal = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.startsWith("**", i)) {
                boolean wholeSegment = text.charAt(i - 1) == '/'
                        && (i + 2 == text.length() || text.charAt(i + 2) == '/');
                if (!wholeSegment) {
                    throw invalid(text, "'**' must be a whole segment, e.g. /repos/**");
                }
                i++;
            } else if (text.charAt(i) != '*') {
                literal++;
            }
        }
        return new PathPattern(text, text.indexOf('*') >= 0, literal, ignoreCase);
    }

    private static PatternException invalid(String text, String why) {
        return new PatternException("invalid path glob \"" + text + "\" (" + why + ")");
    }

    public String source() {
        return source;
    }

    public int specificity() {
        return specificity;
    }

    /**
     * The prefix when this pattern matches exactly the paths that equal it or continue it with a new
     * segment, compared case-sensitively ({@code /repos}, {@code /v1/}, {@code /repos/**} as {@code /repos});
     * {@code null} for other globs and for {@code ignoreCase}.
     */
    public String literalPrefix() {
        return ignoreCase ? null : prefix;
    }

    /** Whether the canonical {@code path} (never empty, starts with {@code /}) matches. Allocation free. */
    public boolean matches(String path) {
        if (prefix != null) {
            int n = prefix.length();
            return path.length() >= n && path.regionMatches(ignoreCase, 0, prefix, 0, n)
                    && (path.length() == n || path.charAt(n) == '/' || n > 0 && prefix.charAt(n - 1) == '/');
        }
        return globMatch(0, path, 0);
    }

    private boolean globMatch(int p, String path, int s) {
        while (p < source.length()) {
            if (s == path.length() && p == source.length() - ANY_BELOW.length() && source.endsWith(ANY_BELOW)) {
                return true; // "/x/**" matches "/x" itself
            }
            char c = source.charAt(p);
            if (c == '*') {
                boolean any = p + 1 < source.length() && source.charAt(p + 1) == '*';
                int next = p + (any ? 2 : 1);
                for (int end = s; end <= path.length(); end++) {
                    if (globMatch(next, path, end)) {
                        return true;
                    }
                    if (end < path.length() && !any && path.charAt(end) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (s >= path.length() || !sameChar(path.charAt(s), c)) {
                return false;
            }
            p++;
            s++;
        }
        return s == path.length();
    }

    private boolean sameChar(char a, char b) {
        return a == b || ignoreCase && Character.toLowerCase(a) == Character.toLowerCase(b);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PathPattern that && source.equals(that.source) && ignoreCase == that.ignoreCase;
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + (ignoreCase ? 1 : 0);
    }

    @Override
    public String toString() {
        return source;
    }
}
