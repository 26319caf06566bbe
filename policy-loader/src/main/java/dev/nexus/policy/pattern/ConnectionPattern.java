package dev.nexus.policy.pattern;

/**
 * One entry of a route's {@code connection_choices}: a connection id ({@code github-alice}) or a
 * glob where {@code *} matches any run of characters ({@code github-*}), naming connections an
 * agent may select for a request.
 */
public final class ConnectionPattern {

    private final Glob glob;

    private ConnectionPattern(String source) {
        this.glob = new Glob(source);
    }

    public static ConnectionPattern parse(String text) {
        return new ConnectionPattern(Glob.check(text, "connection pattern", ""));
    }

    /** Whether {@code connectionId} matches. Allocation free. */
    public boolean matches(String connectionId) {
        return glob.matches(connectionId);
    }

    public String source() {
        return glob.source();
    }

    @Override
    public String toString() {
        return glob.source();
    }
}
