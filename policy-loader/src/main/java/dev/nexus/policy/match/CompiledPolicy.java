package dev.nexus.policy.match;

import dev.nexus.policy.pattern.HostNames;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.PathAmbiguity;
import dev.nexus.policy.pattern.PathPattern;
import dev.nexus.policy.pattern.PathNormalizer;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable, compiled routing policy. {@link #decide} is the data plane's hot path: it
 * normalises the host and path, finds the most specific host group in constant time for exact
 * and wildcard hosts, and walks precomputed entries ({@link CompactRoutes}, the same entries as the
 * host groups that {@link #explain} walks, packed); the decisions are precomputed values.
 *
 * <p>Precedence: most specific host first (exact, then longer wildcard, then shorter wildcard;
 * for IP literals the longest CIDR prefix; {@code *} last), then path specificity (literal
 * characters of the matching path pattern; routes without paths last), then document order.
 *
 * <p>Tunnel decisions ({@link PolicyRequest#path()} {@code null}, made on CONNECT before any request
 * is seen) ignore paths and methods; if a route that could apply restricts them, the tunnel is
 * intercepted so that each request inside it is decided on its own.
 */
public final class CompiledPolicy {

    private static final Decision.Deny INVALID_HOST = new Decision.Deny(null, "invalid host name, denied", null);

    private final HostIndex index;
    private final Decision defaultDecision;
    private final Decision defaultTunnelDecision;
    private final List<String> routeNames;

    CompiledPolicy(HostIndex index, Decision defaultDecision, Decision defaultTunnelDecision, List<String> routeNames) {
        this.index = index;
        this.defaultDecision = defaultDecision;
        this.defaultTunnelDecision = defaultTunnelDecision;
        this.routeNames = List.copyOf(routeNames);
    }

    /** The decision for {@code request}. Thread-safe; allocates nothing for already-normal hosts and paths. */
    public Decision decide(PolicyRequest request) {
        return decide(request, null);
    }

    /** The decision for {@code request} together with the path that led to it. */
    public Explanation explain(PolicyRequest request) {
        List<String> steps = new ArrayList<>();
        Decision decision = decide(request, steps);
        steps.add("decision: " + describe(decision));
        steps.add("what happens: " + WhatHappens.describe(decision, request));
        return new Explanation(steps, decision);
    }

    /** The number of routes. */
    public int routeCount() {
        return routeNames.size();
    }

    /** Route names in document order. */
    public List<String> routeNames() {
        return routeNames;
    }

    private Decision decide(PolicyRequest request, List<String> trace) {
        String host = HostNames.normalize(request.host());
        if (host == null) {
            if (trace != null) {
                trace.add("host \"" + request.host() + "\" is not a valid host name");
            }
            return INVALID_HOST;
        }
        int schemeBit = CompiledRoute.schemeBit(request.scheme());
        boolean tunnel = request.path() == null;
        String path = tunnel ? null : PathNormalizer.normalize(request.path());
        if (trace != null) {
            trace.add("request: agent \"" + (request.agent() == null ? "" : request.agent()) + "\" "
                    + (tunnel ? "tunnel (CONNECT)" : request.method()) + " " + request.scheme() + "://" + host + ":"
                    + request.port() + (tunnel ? "" : path) + (tunnel ? ", paths and methods not yet known" : ""));
        }
        // A path that normalising left as it was is canonical, so it cannot be ambiguous.
        String ambiguous = tunnel || path == request.path() ? null : PathAmbiguity.reason(request.path());
        if (trace == null && !tunnel && ambiguous == null) {
            return index.compact().decide(index.routes(host), schemeBit, request.port(), request.method(), request.agent(),
                    path, defaultDecision);
        }
        HostGroup first = index.lookup(host);
        if (tunnel) {
            return decideTunnel(first, schemeBit, request, trace);
        }
        if (ambiguous != null) {
            Decision refusal = refuseAmbiguousPath(first, schemeBit, request, ambiguous);
            if (refusal != null) {
                if (trace != null) {
                    trace.add("the path is ambiguous: " + ambiguous);
                }
                return refusal;
            }
        }
        for (HostGroup group = first; group != null; group = group.next) {
            if (trace != null) {
                trace.add("candidates for " + group.description + ":");
            }
            for (RouteEntry entry : group.entries) {
                int code = entry.route().check(schemeBit, request.port(), request.method(), request.agent());
                boolean pathOk = code == CompiledRoute.MATCH && (entry.path() == null || entry.path().matches(path));
                if (trace != null) {
                    trace.add("  " + describe(entry) + ": " + (code != CompiledRoute.MATCH
                            ? "no, " + entry.route().describeMismatch(code, request.scheme(), request.port(),
                            request.method(), request.agent())
                            : pathOk ? "MATCH" : "no, path " + path + " does not match " + entry.path()));
                }
                if (pathOk) {
                    return entry.decision();
                }
            }
        }
        if (trace != null) {
            trace.add(first == null ? "no host pattern covers " + host : "no route matched");
        }
        return defaultDecision;
    }

    /**
     * A path origins may read differently from the proxy is refused when any inject or deny route could apply
     * to the request whatever its path: the credential must not reach, and a deny rule must not be walked
     * around by, a spelling the canonical form cannot vouch for. Other hosts get the usual decision.
     */
    private static Decision refuseAmbiguousPath(HostGroup first, int schemeBit, PolicyRequest request, String why) {
        for (HostGroup group = first; group != null; group = group.next) {
            for (RouteEntry entry : group.entries) {
                boolean guarded = entry.decision() instanceof Decision.Inject || entry.decision() instanceof Decision.Deny;
                if (guarded && entry.route().check(schemeBit, request.port(), request.method(), request.agent())
                        == CompiledRoute.MATCH) {
                    return new Decision.Deny(entry.route().name(), "ambiguous request path refused on a host with"
                            + " inject or deny routes (route \"" + entry.route().name() + "\"): " + why, null);
                }
            }
        }
        return null;
    }

    /**
     * Walks groups from most to least specific. A group with an applicable route that restricts
     * neither paths nor methods catches every request, so the walk stops there; until then routes
     * that restrict paths or methods may apply to some requests, which means the tunnel must be
     * intercepted and the first route that lets anything through (in precedence order) decides it.
     */
    private Decision decideTunnel(HostGroup first, int schemeBit, PolicyRequest request, List<String> trace) {
        RouteEntry firstCandidate = null;
        RouteEntry firstPassing = null;
        boolean restricted = false;
        boolean caught = false;
        for (HostGroup group = first; group != null && !caught; group = group.next) {
            if (trace != null) {
                trace.add("candidates for " + group.description + ":");
            }
            for (RouteEntry entry : group.tunnelEntries) {
                CompiledRoute route = entry.route();
                int code = route.check(schemeBit, request.port(), null, request.agent());
                if (trace != null) {
                    trace.add("  " + describe(entry) + ": " + (code == CompiledRoute.MATCH
                            ? route.restrictsRequests() ? "applies to some requests (restricts paths or methods)" : "MATCH"
                            : "no, " + route.describeMismatch(code, request.scheme(), request.port(), null, request.agent())));
                }
                if (code != CompiledRoute.MATCH) {
                    continue;
                }
                firstCandidate = firstCandidate == null ? entry : firstCandidate;
                if (firstPassing == null && !(entry.decision() instanceof Decision.Deny)) {
                    firstPassing = entry;
                }
                if (route.restrictsRequests()) {
                    restricted = true;
                } else {
                    caught = true;
                }
            }
        }
        if (firstCandidate == null) {
            if (trace != null) {
                trace.add(first == null ? "no host pattern covers the host" : "no route matched");
            }
            return defaultDecision;
        }
        if (!restricted) {
            return firstCandidate.decision();
        }
        if (trace != null) {
            trace.add("some routes restrict paths or methods: intercepting so each request is decided on its own");
        }
        if (firstPassing != null) {
            return firstPassing.tunnelDecision();
        }
        return caught || defaultDecision instanceof Decision.Deny ? firstCandidate.decision() : defaultTunnelDecision;
    }

    private static String describe(RouteEntry entry) {
        CompiledRoute route = entry.route();
        return "route \"" + route.name() + "\" (" + route.location() + ", " + route.action().wireName()
                + (entry.path() == null ? "" : ", path " + entry.path() + " specificity " + entry.specificity()) + ")";
    }

    /**
     * Assembles a {@link CompiledPolicy} from routes already compiled by
     * {@link dev.nexus.policy.compile.PolicyCompiler}; not meant for other callers.
     */
    public static final class Builder {
        private final HostIndex.Builder index = new HostIndex.Builder();
        private final List<String> routeNames = new ArrayList<>();
        private final Decision defaultDecision;
        private final Decision defaultTunnelDecision;

        /**
         * @param defaultDecision       when no route matches
         * @param defaultTunnelDecision the same for a tunnel that must be intercepted (see {@link CompiledPolicy})
         */
        public Builder(Decision defaultDecision, Decision defaultTunnelDecision) {
            this.defaultDecision = defaultDecision;
            this.defaultTunnelDecision = defaultTunnelDecision;
        }

        /** Records a route's name, in document order. */
        public Builder route(CompiledRoute route) {
            routeNames.add(route.name());
            return this;
        }

        /**
         * Adds one (route, host pattern, path pattern) combination.
         *
         * @param path           {@code null} when the route matches any path
         * @param decision       the decision when it wins
         * @param tunnelDecision the decision when it wins a tunnel that must be intercepted
         */
        public Builder add(CompiledRoute route, HostPattern host, PathPattern path, Decision decision,
                           Decision tunnelDecision) {
            index.add(host, new RouteEntry(route, path, decision, tunnelDecision));
            return this;
        }

        public CompiledPolicy build() {
            return new CompiledPolicy(index.build(), defaultDecision, defaultTunnelDecision, routeNames);
        }
    }

    private static String describeInject(Decision.Inject inject) {
        String connection = inject.connectionId() == null ? "inject" : "inject connection \"" + inject.connectionId() + "\"";
        ConnectionChoices choices = inject.connectionChoices();
        return !choices.offered() ? connection : connection + (inject.connectionId() == null ? " a" : " or a")
                + " connection the agent names in " + choices.header() + " matching " + choices.patterns();
    }

    static String describe(Decision decision) {
        String kind = decision instanceof Decision.Inject inject ? describeInject(inject)
                : decision instanceof Decision.Allow ? "allow" : "deny";
        return kind + " (" + decision.reason() + ")";
    }
}
