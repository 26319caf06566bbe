package dev.nexus.policy.pattern;

import java.util.Locale;

/**
 * One entry of {@code match.hosts}: an exact name ({@code api.github.com}), a leading wildcard
 * ({@code *.s3.amazonaws.com}, one or more labels), the catch-all {@code *}, or an IP literal /
 * CIDR ({@code 10.0.0.0/8}, {@code ::1}).
 *
 * @param kind   which of the four
 * @param name   the normalised name for EXACT, the suffix after {@code *.} for WILDCARD, else {@code null}
 * @param cidr   the block for CIDR, else {@code null}
 * @param source the pattern as written
 */
public record HostPattern(Kind kind, String name, CidrBlock cidr, String source) {

    public enum Kind { EXACT, WILDCARD, ANY, CIDR }

    /** Parses and normalises a host pattern; throws {@link PatternException} naming the problem. */
    public static HostPattern parse(String text) {
        if (text.isBlank()) {
            throw new PatternException("host pattern must not be empty");
        }
        if (text.equals("*")) {
            return new HostPattern(Kind.ANY, null, null, text);
        }
        if (text.indexOf(':') >= 0 && text.indexOf('/') < 0 && IpAddress.parse(text) == null) {
            throw new PatternException("invalid host \"" + text + "\" (not a host name or IP address;"
                    + " ports belong in match.ports)");
        }
        if (text.indexOf('/') >= 0 || text.indexOf(':') >= 0 || text.startsWith("[")
                || IpAddress.parse(text) != null) {
            return new HostPattern(Kind.CIDR, null, CidrBlock.parse(text), text);
        }
        boolean wildcard = text.startsWith("*.");
        String rest = wildcard ? text.substring(2) : text;
        if (rest.indexOf('*') >= 0) {
            throw new PatternException("invalid host pattern \"" + text
                    + "\" ('*' is only allowed as the whole leftmost label, e.g. *.example.com)");
        }
        String normalised = HostNames.normalize(rest);
        if (normalised == null) {
            // Say which label or character is wrong when we can; IDNA failures get the generic message.
            String lower = rest.toLowerCase(Locale.ROOT);
            checkLabels(text, lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower);
            throw new PatternException("invalid host name \"" + text + "\"");
        }
        checkLabels(text, normalised);
        return new HostPattern(wildcard ? Kind.WILDCARD : Kind.EXACT, normalised, null, text);
    }

    private static void checkLabels(String text, String name) {
        if (name.length() > 253) {
            throw new PatternException("invalid host name \"" + text + "\" (longer than 253 characters)");
        }
        int start = 0;
        while (start <= name.length()) {
            int end = name.indexOf('.', start);
            if (end < 0) {
                end = name.length();
            }
            int length = end - start;
            if (length == 0 || length > 63) {
                throw new PatternException("invalid host name \"" + text + "\" (labels must be 1-63 characters)");
            }
            for (int i = start; i < end; i++) {
                char c = name.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
                if (!ok) {
                    throw new PatternException("invalid host name \"" + text + "\" (character '" + c
                            + "' not allowed; use letters, digits, '-', '_' or an IDN name)");
                }
            }
            start = end + 1;
        }
    }

    /** A canonical spelling used to compare patterns (e.g. when looking for shadowed routes). */
    public String key() {
        return switch (kind) {
            case EXACT -> name;
            case WILDCARD -> "*." + name;
            case ANY -> "*";
            case CIDR -> cidr.toString();
        };
    }

    /** Whether this pattern names hosts by name (so the private-address rule applies). */
    public boolean namesHosts() {
        return kind != Kind.CIDR;
    }
}
