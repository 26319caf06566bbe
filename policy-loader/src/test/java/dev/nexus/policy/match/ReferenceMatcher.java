package dev.nexus.policy.match;

import dev.nexus.policy.compile.RouteSchemes;
import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.pattern.AgentPattern;
import dev.nexus.policy.pattern.HostNames;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.IpAddress;
import dev.nexus.policy.pattern.PathNormalizer;
import dev.nexus.policy.pattern.PathPattern;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The documented precedence, implemented the slow and obvious way: check every route, rank the
 * matches, take the first. The compiled matcher must agree with it on every request.
 */
final class ReferenceMatcher {

    /** The winning route's name and whether its tunnel decision intercepts; {@code null} name for the default. */
    record Outcome(String route, ActionType action, boolean forcedIntercept) {
    }

    private record Candidate(Route route, int order, long hostRank, int pathSpecificity) {
    }

    private final List<Route> routes;
    private final ActionType defaultAction;

    ReferenceMatcher(List<Route> routes, ActionType defaultAction) {
        this.routes = routes;
        this.defaultAction = defaultAction;
    }

    Outcome decide(PolicyRequest request) {
        String host = HostNames.normalize(request.host());
        if (host == null) {
            return new Outcome(null, ActionType.DENY, false);
        }
        boolean tunnel = request.path() == null;
        String path = tunnel ? null : PathNormalizer.normalize(request.path());
        List<Candidate> candidates = new ArrayList<>();
        for (int order = 0; order < routes.size(); order++) {
            Route route = routes.get(order);
            long rank = hostRank(route, host);
            if (rank < 0 || !conditionsMatch(route, request, tunnel)) {
                continue;
            }
            int specificity = tunnel ? 0 : pathSpecificity(route, path);
            if (specificity != Integer.MIN_VALUE) {
                candidates.add(new Candidate(route, order, rank, specificity));
            }
        }
        if (tunnel) {
            return tunnel(candidates);
        }
        return candidates.stream()
                .min(Comparator.comparingLong((Candidate c) -> -c.hostRank)
                        .thenComparingInt(c -> -c.pathSpecificity)
                        .thenComparingInt(c -> c.order))
                .map(c -> new Outcome(c.route.name(), c.route.action(), false))
                .orElse(new Outcome(null, defaultAction, false));
    }

    /** Tunnel rule: walk host ranks from most specific; a rank with an unrestricted route catches everything. */
    private Outcome tunnel(List<Candidate> candidates) {
        candidates.sort(Comparator.comparingLong((Candidate c) -> -c.hostRank).thenComparingInt(c -> c.order));
        List<Candidate> visited = new ArrayList<>();
        Long caughtAt = null;
        for (Candidate c : candidates) {
            if (caughtAt != null && c.hostRank != caughtAt) {
                break;
            }
            visited.add(c);
            if (!restricts(c.route)) {
                caughtAt = c.hostRank;
            }
        }
        if (visited.isEmpty()) {
            return new Outcome(null, defaultAction, false);
        }
        boolean restricted = visited.stream().anyMatch(c -> restricts(c.route));
        if (!restricted) {
            return new Outcome(visited.get(0).route.name(), visited.get(0).route.action(), false);
        }
        for (Candidate c : visited) {
            if (c.route.action() != ActionType.DENY) {
                return new Outcome(c.route.name(), c.route.action(), true);
            }
        }
        if (caughtAt == null && defaultAction == ActionType.ALLOW) {
            return new Outcome(null, ActionType.ALLOW, true);
        }
        return new Outcome(visited.get(0).route.name(), ActionType.DENY, false);
    }

    private static boolean restricts(Route route) {
        return !route.match().paths().isEmpty() || !route.match().methods().isEmpty();
    }

    /** -1 when no host pattern matches; otherwise higher is more specific. */
    private static long hostRank(Route route, String host) {
        IpAddress ip = IpAddress.parse(host);
        long best = -1;
        for (String text : route.match().hosts()) {
            HostPattern pattern = HostPattern.parse(text);
            long rank = switch (pattern.kind()) {
                case ANY -> 0;
                case CIDR -> ip != null && pattern.cidr().contains(ip) ? 1000 + pattern.cidr().prefix() : -1;
                case WILDCARD -> ip == null && host.endsWith("." + pattern.name())
                        ? 2000 + pattern.name().split("\\.").length : -1;
                case EXACT -> ip == null && host.equals(pattern.name()) ? 3000 : -1;
            };
            best = Math.max(best, rank);
        }
        return best;
    }

    private static boolean conditionsMatch(Route route, PolicyRequest request, boolean tunnel) {
        var match = route.match();
        String scheme = request.scheme();
        if (!RouteSchemes.effective(route).contains(scheme.toLowerCase(java.util.Locale.ROOT))) {
            return false;
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return false;
        }
        int defaultPort = scheme.equals("https") ? 443 : 80;
        if (match.ports().isEmpty() ? request.port() != defaultPort : !match.ports().contains(request.port())) {
            return false;
        }
        if (!tunnel && !match.methods().isEmpty() && match.methods().stream().noneMatch(request.method()::equalsIgnoreCase)) {
            return false;
        }
        return match.agents().isEmpty()
                || match.agents().stream().anyMatch(a -> AgentPattern.parse(a).matches(request.agent()));
    }

    /** -1 without paths, the best matching pattern's literal count, or MIN_VALUE when none matches. */
    private static int pathSpecificity(Route route, String path) {
        if (route.match().paths().isEmpty()) {
            return -1;
        }
        int best = Integer.MIN_VALUE;
        for (String text : route.match().paths()) {
            PathPattern pattern = PathPattern.parse(text);
            if (pattern.matches(path)) {
                best = Math.max(best, pattern.specificity());
            }
        }
        return best;
    }
}
