package dev.nexus.policy.pattern;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Puts a request path in the one canonical form path rules are matched against, so that no spelling an
 * origin would read as the same path dodges a rule: the query and fragment are dropped, percent escapes are
 * decoded once (including {@code %2F} and {@code %2e}), backslashes count as slashes, {@code ;} parameters are
 * cut from each segment (servlet containers ignore them: {@code /admin;x=1} is {@code /admin}), trailing dots
 * and spaces are cut from each segment (Windows servers ignore them), empty segments ({@code //}) collapse, and
 * {@code .} / {@code ..} segments are resolved (never above the root). Forms that even this cannot make
 * unambiguous are named by {@link PathAmbiguity}.
 */
public final class PathNormalizer {

    private PathNormalizer() {
    }

    /** The canonical path; the same instance when it is already canonical (no allocation). */
    public static String normalize(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "/";
        }
        if (isNormal(raw)) {
            return raw;
        }
        String path = withoutQuery(raw);
        if (path.indexOf('%') >= 0) {
            path = percentDecodeOnce(path);
        }
        return removeDotSegments(path.replace('\\', '/'));
    }

    /**
     * Whether {@code path} is canonical as it stands: absolute, and without escapes, query, fragment,
     * backslashes, {@code ;}, empty or dot segments, or segments ending in a dot. Allocation free.
     */
    static boolean isNormal(String path) {
        if (path.charAt(0) != '/' || path.charAt(path.length() - 1) == '.') {
            return false;
        }
        char previous = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' || c == '?' || c == '#' || c == '\\' || c == ';' || c == ' ') {
                return false;
            }
            if (previous == '/' && (c == '/' || c == '.') || previous == '.' && c == '/') {
                return false;
            }
            previous = c;
        }
        return true;
    }

    static String withoutQuery(String path) {
        int cut = firstIndexOf(path, '?', '#');
        return cut >= 0 ? path.substring(0, cut) : path;
    }

    private static int firstIndexOf(String s, char a, char b) {
        int ia = s.indexOf(a);
        int ib = s.indexOf(b);
        if (ia < 0) {
            return ib;
        }
        return ib < 0 ? ia : Math.min(ia, ib);
    }

    static String percentDecodeOnce(String path) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int high = Character.digit(path.charAt(i + 1), 16);
                int low = Character.digit(path.charAt(i + 2), 16);
                if (high >= 0 && low >= 0) {
                    bytes.write((high << 4) | low);
                    i += 2;
                    continue;
                }
            }
            byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
            bytes.write(encoded, 0, encoded.length);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A decoded segment as origins read it: {@code ;} parameters cut, then trailing dots and spaces. */
    static String canonicalSegment(String segment) {
        int semicolon = segment.indexOf(';');
        String name = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
        if (name.equals(".") || name.equals("..")) {
            return name;
        }
        int end = name.length();
        while (end > 0 && (name.charAt(end - 1) == '.' || name.charAt(end - 1) == ' ')) {
            end--;
        }
        return name.substring(0, end);
    }

    private static String removeDotSegments(String path) {
        String[] segments = path.split("/", -1);
        String[] kept = new String[segments.length];
        int depth = 0;
        boolean trailingSlash = false;
        for (int i = 0; i < segments.length; i++) {
            String segment = canonicalSegment(segments[i]);
            boolean last = i == segments.length - 1;
            if (segment.isEmpty() || segment.equals(".")) {
                trailingSlash = last && i > 0;
                continue;
            }
            if (segment.equals("..")) {
                if (depth > 0) {
                    depth--;
                }
                trailingSlash = last;
                continue;
            }
            kept[depth++] = segment;
            trailingSlash = false;
        }
        StringBuilder out = new StringBuilder(path.length() + 1);
        for (int i = 0; i < depth; i++) {
            out.append('/').append(kept[i]);
        }
        if (depth == 0 || trailingSlash) {
            out.append('/');
        }
        return out.toString();
    }
}
