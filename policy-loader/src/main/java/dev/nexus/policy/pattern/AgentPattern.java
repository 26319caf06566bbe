package dev.nexus.policy.pattern;

/**
 * One entry of {@code match.agents}: an agent identity ({@code billing-bot},
 * {@code spiffe://prod/ns/billing/sa/bot}) or a glob where {@code *} matches any run of
 * characters, including {@code /} ({@code spiffe://prod/ns/billing/*}); {@code *} alone matches
 * every agent, including the anonymous identity {@code ""}.
 */
public final class AgentPattern {

    private final String source;
    private final String[] parts;

    private AgentPattern(String source) {
        this.source = source;
        this.parts = source.indexOf('*') < 0 ? null : source.split("\\*", -1);
    }

    public static AgentPattern parse(String text) {
        if (text.isEmpty()) {
            throw new PatternException("agent pattern must not be empty (use \"*\" for every agent)");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i)) || Character.isISOControl(text.charAt(i))) {
                throw new PatternException("invalid agent pattern \"" + text + "\" (no whitespace or control characters)");
            }
        }
        return new AgentPattern(text);
    }

    public boolean matchesAll() {
        return source.equals("*");
    }

    /** Whether {@code agent} matches. Allocation free. */
    public boolean matches(String agent) {
        String a = agent == null ? "" : agent;
        if (parts == null) {
            return source.equals(a);
        }
        if (!a.startsWith(parts[0])) {
            return false;
        }
        int at = parts[0].length();
        int last = parts.length - 1;
        for (int i = 1; i < last; i++) {
            int found = a.indexOf(parts[i], at);
            if (found < 0) {
                return false;
            }
            at = found + parts[i].length();
        }
        return a.length() - at >= parts[last].length() && a.endsWith(parts[last]);
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }
}
