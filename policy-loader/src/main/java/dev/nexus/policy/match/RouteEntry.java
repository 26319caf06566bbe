package dev.nexus.policy.match;

import dev.nexus.policy.pattern.PathPattern;

/**
 * One (route, host pattern, path pattern) combination inside a {@link HostGroup}, with the
 * decisions it produces precomputed so that deciding allocates nothing.
 *
 * @param path             the path pattern, or {@code null} when the route has no paths (matches any path)
 * @param decision         the decision when this entry wins a request
 * @param tunnelDecision   the same, but intercepting TLS so per-request path and method rules can apply
 */
record RouteEntry(CompiledRoute route, PathPattern path, Decision decision, Decision tunnelDecision) {

    /** Path specificity: literal characters of the pattern; -1 for "any path", the least specific. */
    int specificity() {
        return path == null ? -1 : path.specificity();
    }
}
