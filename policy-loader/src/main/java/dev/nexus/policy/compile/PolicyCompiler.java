package dev.nexus.policy.compile;

import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.DefaultPolicy;
import dev.nexus.policy.model.PolicyDocument;
import dev.nexus.policy.model.RedactResponses;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.model.RouteMatch;
import dev.nexus.policy.match.AddressPolicy;
import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.match.CompiledRoute;
import dev.nexus.policy.match.ConnectionChoices;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.pattern.AgentPattern;
import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.ConnectionPattern;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.PathPattern;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a validated {@link PolicyDocument} into an immutable {@link CompiledPolicy}: patterns
 * parsed once, decisions (with their reason strings and options) built once per route and host
 * pattern, so deciding a request only looks things up.
 */
public final class PolicyCompiler {

    private PolicyCompiler() {
    }

    /**
     * Compiles {@code document}, which must have passed {@link dev.nexus.policy.validate.PolicyValidator}
     * without errors.
     *
     * @throws dev.nexus.policy.pattern.PatternException if it contains an invalid pattern
     */
    public static CompiledPolicy compile(PolicyDocument document) {
        CompiledPolicy.Builder builder = defaults(document.defaults());
        List<Route> routes = document.routes();
        for (int order = 0; order < routes.size(); order++) {
            compileRoute(routes.get(order), order, builder);
        }
        return builder.build();
    }

    private static CompiledPolicy.Builder defaults(DefaultPolicy defaults) {
        if (defaults.action() == ActionType.ALLOW) {
            String reason = "no route matched, default allow";
            return new CompiledPolicy.Builder(
                    new Decision.Allow(null, reason, RouteOptions.PASS_THROUGH, AddressPolicy.PUBLIC_ONLY),
                    new Decision.Allow(null, reason + ", TLS intercepted so each request is checked", intercepting(RouteOptions.PASS_THROUGH),
                            AddressPolicy.PUBLIC_ONLY));
        }
        Decision deny = new Decision.Deny(null, "no route matched, default deny", defaults.message());
        return new CompiledPolicy.Builder(deny, deny);
    }

    private static void compileRoute(Route route, int order, CompiledPolicy.Builder builder) {
        RouteMatch match = route.match();
        Map<String, HostPattern> hosts = new LinkedHashMap<>();
        for (String host : match.hosts()) {
            HostPattern pattern = HostPattern.parse(host);
            hosts.putIfAbsent(pattern.key(), pattern);
        }
        Set<PathPattern> paths = new LinkedHashSet<>();
        for (String path : match.paths()) {
            paths.add(PathPattern.parse(path, match.pathsIgnoreCase()));
        }
        CompiledRoute compiled = new CompiledRoute(route.name(), order, route.location(), route.action(),
                RouteSchemes.effective(route).toArray(String[]::new),
                match.ports().stream().mapToInt(Integer::intValue).toArray(),
                match.methods().stream().map(m -> m.toUpperCase(Locale.ROOT)).toArray(String[]::new),
                match.agents().stream().map(AgentPattern::parse).toArray(AgentPattern[]::new),
                !paths.isEmpty());
        builder.route(compiled);
        RouteOptions options = options(route);
        AddressPolicy addresses = addressPolicy(route, hosts.values());
        for (HostPattern host : hosts.values()) {
            String reason = "route \"" + route.name() + "\" matched " + describe(host);
            Decision decision = decision(route, reason, options, addresses);
            Decision tunnelDecision = decision instanceof Decision.Deny ? decision
                    : decision(route, reason + ", TLS intercepted so each request is checked", intercepting(options), addresses);
            if (paths.isEmpty()) {
                builder.add(compiled, host, null, decision, tunnelDecision);
            }
            for (PathPattern path : paths) {
                builder.add(compiled, host, path, decision, tunnelDecision);
            }
        }
    }

    private static String describe(HostPattern host) {
        return switch (host.kind()) {
            case EXACT, WILDCARD -> "host " + host.key();
            case ANY -> "any host (*)";
            case CIDR -> "address " + host.key();
        };
    }

    private static Decision decision(Route route, String reason, RouteOptions options, AddressPolicy addresses) {
        return switch (route.action()) {
            case DENY -> new Decision.Deny(route.name(), reason, route.message());
            case ALLOW -> new Decision.Allow(route.name(), reason, options, addresses);
            case INJECT -> new Decision.Inject(route.name(), reason, options, addresses, route.connection(), route.strategy(),
                    connectionChoices(route));
        };
    }

    private static ConnectionChoices connectionChoices(Route route) {
        if (route.connectionChoices().isEmpty()) {
            return ConnectionChoices.NONE;
        }
        return new ConnectionChoices(route.connectionHeader() == null ? ConnectionChoices.DEFAULT_HEADER : route.connectionHeader(),
                route.connectionChoices().stream().map(ConnectionPattern::parse).toList());
    }

    /**
     * Interception defaults to on for inject routes, and for allow routes that restrict paths or
     * methods (they cannot be enforced inside an opaque tunnel); otherwise off.
     */
    static RouteOptions options(Route route) {
        boolean restricts = !route.match().paths().isEmpty() || !route.match().methods().isEmpty();
        boolean intercept = route.interceptTls() != null ? route.interceptTls()
                : route.action() == ActionType.INJECT || restricts;
        long maxBody = route.maxBodyBytes() != null ? route.maxBodyBytes() : RouteOptions.DEFAULT_MAX_BODY_BYTES;
        RedactResponses redact = route.redactResponses() == null ? RedactResponses.FULL
                : RedactResponses.fromWireName(route.redactResponses()).orElse(RedactResponses.FULL);
        return new RouteOptions(intercept, route.stripRequestHeaders(), route.timeout(), maxBody, route.unsignedPayload(),
                redact, new RouteOptions.Lifetimes(route.maxStreamLifetime(), "close".equals(route.onCredentialExpiry()),
                        route.maxTunnelLifetime()),
                route.replayBufferBytes() != null ? route.replayBufferBytes() : RouteOptions.DEFAULT_REPLAY_BUFFER_BYTES);
    }

    private static RouteOptions intercepting(RouteOptions options) {
        return new RouteOptions(true, options.stripRequestHeaders(), options.timeout(), options.maxBodyBytes(),
                options.unsignedPayload(), options.redactResponses(), options.lifetimes(), options.replayBufferBytes());
    }

    private static AddressPolicy addressPolicy(Route route, Iterable<HostPattern> hosts) {
        List<CidrBlock> explicit = new ArrayList<>();
        boolean namesHosts = false;
        for (HostPattern host : hosts) {
            if (host.namesHosts()) {
                namesHosts = true;
            } else {
                explicit.add(host.cidr());
            }
        }
        for (String cidr : route.allowPrivateCidrs()) {
            explicit.add(CidrBlock.parse(cidr));
        }
        return explicit.isEmpty() && namesHosts ? AddressPolicy.PUBLIC_ONLY : new AddressPolicy(explicit, namesHosts);
    }
}
