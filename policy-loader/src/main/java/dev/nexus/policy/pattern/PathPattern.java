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
    private final boolean glob;
    private final int specificity;
    private final boolean ignoreCase;

    private PathPattern(String source, boolean glob, int specificity, boolean ignoreCase) {
        this.source = source;
        this.glob = glob;
        this.specificity = specificity;
        this.ignoreCase = ignoreCase;
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

    /** Whether the canonical {@code path} matches. Allocation free. */
    public boolean matches(String path) {
        if (!glob) {
            int n = source.length();
            return path.length() >= n && path.regionMatches(ignoreCase, 0, source, 0, n)
                    && (path.length() == n || source.charAt(n - 1) == '/' || path.charAt(n) == '/');
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
