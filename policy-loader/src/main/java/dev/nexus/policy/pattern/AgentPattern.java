package dev.nexus.policy.pattern;

/**
 * One entry of {@code match.agents}: an agent identity ({@code billing-bot},
 * {@code spiffe://prod/ns/billing/sa/bot}) or a glob where {@code *} matches any run of
 * characters, including {@code /} ({@code spiffe://prod/ns/billing/*}); {@code *} alone matches
 * every agent, including the anonymous identity {@code ""}.
 */
public final class AgentPattern {

    private final Glob glob;

    private AgentPattern(String source) {
        this.glob = new Glob(source);
    }

    public static AgentPattern parse(String text) {
        return new AgentPattern(Glob.check(text, "agent pattern", " (use \"*\" for every agent)"));
    }

    public boolean matchesAll() {
        return glob.source().equals("*");
    }

    /** Whether {@code agent} matches. Allocation free. */
    public boolean matches(String agent) {
        return glob.matches(agent == null ? "" : agent);
    }

    public String source() {
        return glob.source();
    }

    @Override
    public String toString() {
        return glob.source();
    }
}
