package dev.nexus.policy.pattern;

/**
 * A name pattern where {@code *} matches any run of characters, {@code /} and {@code .} included;
 * without {@code *} it matches only itself. Shared by agent and connection patterns.
 */
final class Glob {

    private final String source;
    private final String[] parts;

    Glob(String source) {
        this.source = source;
        this.parts = source.indexOf('*') < 0 ? null : source.split("\\*", -1);
    }

    /** Rejects empty text and whitespace or control characters, naming {@code what} in the message. */
    static String check(String text, String what, String emptyHint) {
        if (text.isEmpty()) {
            throw new PatternException(what + " must not be empty" + emptyHint);
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i)) || Character.isISOControl(text.charAt(i))) {
                throw new PatternException("invalid " + what + " \"" + text + "\" (no whitespace or control characters)");
            }
        }
        return text;
    }

    String source() {
        return source;
    }

    /** Whether {@code value} matches. Allocation free. */
    boolean matches(String value) {
        if (parts == null) {
            return source.equals(value);
        }
        if (!value.startsWith(parts[0])) {
            return false;
        }
        int at = parts[0].length();
        int last = parts.length - 1;
        for (int i = 1; i < last; i++) {
            int found = value.indexOf(parts[i], at);
            if (found < 0) {
                return false;
            }
            at = found + parts[i].length();
        }
        return value.length() - at >= parts[last].length() && value.endsWith(parts[last]);
    }
}
