package dev.nexus.policy.match;

import dev.nexus.policy.pattern.ConnectionPattern;

import java.util.List;
import java.util.Objects;

/**
 * On-behalf-of selection for an {@code inject} route: the connection ids (or id patterns) an agent
 * may name in the request header {@code header} to use credentials other than the route's
 * {@code connection}, e.g. one connection per end user. Empty {@code patterns} means the route
 * offers no choice; the header is still stripped, and naming any other connection is refused.
 *
 * @param header   the request header that carries the choice ({@value #DEFAULT_HEADER} unless the route says otherwise)
 * @param patterns what may be chosen, in route order
 */
public record ConnectionChoices(String header, List<ConnectionPattern> patterns) {

    /** The header agents use to name a connection unless a route sets {@code connection_header}. */
    public static final String DEFAULT_HEADER = "Nexus-Connection";

    /** No choice offered, default header. */
    public static final ConnectionChoices NONE = new ConnectionChoices(DEFAULT_HEADER, List.of());

    public ConnectionChoices {
        Objects.requireNonNull(header, "header");
        patterns = List.copyOf(patterns);
    }

    /** Whether the route lets the agent choose at all. */
    public boolean offered() {
        return !patterns.isEmpty();
    }

    /** Whether {@code connectionId} is one the agent may choose. Allocation free. */
    public boolean permits(String connectionId) {
        for (int i = 0; i < patterns.size(); i++) {
            if (patterns.get(i).matches(connectionId)) {
                return true;
            }
        }
        return false;
    }
}
