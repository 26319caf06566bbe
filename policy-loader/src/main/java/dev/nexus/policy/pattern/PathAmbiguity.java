package dev.nexus.policy.pattern;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Request paths that no single canonical form can stand for, because origins disagree on what they mean:
 * an encoded NUL or other control character ({@code /admin%00/x}), a second layer of percent-encoding
 * ({@code /%252e%252e/admin}: one more decode on the origin turns it into {@code /../admin}), a malformed
 * escape ({@code %zz}), bytes that are not UTF-8 (overlong {@code %c0%ae} is a dot to some decoders), and
 * segments made only of dots and spaces other than {@code .} and {@code ..} ({@code ...}, {@code .. }). The
 * policy refuses them on hosts that have inject or deny routes rather than guess.
 */
public final class PathAmbiguity {

    private PathAmbiguity() {
    }

    /** Why {@code rawPath} (query allowed, it is ignored) is ambiguous, or {@code null} when it is not. Allocation free for canonical paths. */
    public static String reason(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || PathNormalizer.isNormal(rawPath)) {
            return null;
        }
        String path = PathNormalizer.withoutQuery(rawPath);
        String escapes = escapeProblem(path);
        if (escapes != null) {
            return escapes;
        }
        String decoded = PathNormalizer.percentDecodeOnce(path);
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "it contains an encoded control character";
            }
        }
        if (hasEscape(decoded)) {
            return "it is percent-encoded twice";
        }
        for (String segment : decoded.replace('\\', '/').split("/", -1)) {
            String name = PathNormalizer.canonicalSegment(segment);
            if (name.isEmpty() && !segment.isEmpty() && isDotsAndSpaces(segment)) {
                return "a segment consists only of dots and spaces";
            }
        }
        return null;
    }

    private static String escapeProblem(String path) {
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) != '%') {
                continue;
            }
            if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
                    || Character.digit(path.charAt(i + 2), 16) < 0) {
                return "it contains a malformed percent escape";
            }
        }
        return validUtf8(path) ? null : "its percent escapes are not UTF-8";
    }

    private static boolean validUtf8(String path) {
        byte[] bytes = new byte[path.length()];
        int n = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                bytes[n++] = (byte) Integer.parseInt(path, i + 1, i + 3, 16);
                i += 2;
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                return true; // raw non-ASCII never reaches here through an HTTP/1.1 request line
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean hasEscape(String text) {
        for (int i = 0; i + 2 < text.length(); i++) {
            if (text.charAt(i) == '%' && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDotsAndSpaces(String segment) {
        int semicolon = segment.indexOf(';');
        String name = semicolon >= 0 ? segment.substring(0, semicolon) : segment;
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) != '.' && name.charAt(i) != ' ') {
                return false;
            }
        }
        return true;
    }
}
