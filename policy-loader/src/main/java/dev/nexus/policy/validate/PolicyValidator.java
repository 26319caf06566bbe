package dev.nexus.policy.validate;

import dev.nexus.policy.compile.RouteSchemes;
import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.PolicyDocument;
import dev.nexus.policy.model.RedactResponses;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.model.RouteMatch;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.policy.model.StrategyType;
import dev.nexus.policy.pattern.AgentPattern;
import dev.nexus.policy.match.ConnectionChoices;
import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.ConnectionPattern;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.PathPattern;
import dev.nexus.policy.pattern.PatternException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a parsed policy for everything the parser's shape checks cannot see: duplicate route
 * names (across all files), action-specific fields, valid hosts, CIDRs, globs, ports, methods,
 * schemes and strategies, and routes that can never win (warning). Every problem is reported,
 * each pointing at its file, line, column and field.
 */
public final class PolicyValidator {

    private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> SCHEMES = Set.of("http", "https");
    private static final Set<String> ON_CREDENTIAL_EXPIRY = Set.of("keep", "close");

    private final Diagnostics diagnostics = new Diagnostics();

    private PolicyValidator() {
    }

    /** Every error and warning for {@code document}, in document order. */
    public static List<Diagnostic> validate(PolicyDocument document) {
        PolicyValidator validator = new PolicyValidator();
        Map<String, Route> byName = new HashMap<>();
        for (Route route : document.routes()) {
            Route first = byName.putIfAbsent(route.name(), route);
            if (first != null) {
                validator.error(route, "name", "duplicate route name \"" + route.name() + "\" (first defined at "
                        + first.locationOf("name") + ")");
            }
            validator.checkRoute(route);
        }
        validator.checkShadowing(document.routes());
        return validator.diagnostics.list();
    }

    private void checkRoute(Route route) {
        if (!ROUTE_NAME.matcher(route.name()).matches()) {
            error(route, "name", "invalid route name \"" + route.name()
                    + "\" (1-64 characters: letters, digits, '.', '_', '-', starting with a letter or digit)");
        }
        RouteMatch match = route.match();
        eachValue(route, "match.hosts", match.hosts(), HostPattern::parse);
        for (int i = 0; i < match.ports().size(); i++) {
            int port = match.ports().get(i);
            if (port < 1 || port > 65535) {
                error(route, "match.ports[" + i + "]", "invalid port " + (port < 0 ? "(out of range)" : port)
                        + " (must be 1-65535)");
            }
        }
        eachValue(route, "match.schemes", match.schemes(), scheme -> {
            if (!SCHEMES.contains(scheme.toLowerCase(Locale.ROOT))) {
                throw new PatternException("invalid scheme \"" + scheme + "\" (expected http or https)");
            }
            return scheme;
        });
        eachValue(route, "match.methods", match.methods(), method -> token(method, "method", "e.g. GET or POST"));
        eachValue(route, "match.paths", match.paths(), PathPattern::parse);
        if (match.pathsIgnoreCase() && match.paths().isEmpty()) {
            error(route, "match.paths_ignore_case", "paths_ignore_case is only allowed with match.paths");
        }
        eachValue(route, "match.agents", match.agents(), AgentPattern::parse);
        eachValue(route, "strip_request_headers", route.stripRequestHeaders(),
                header -> token(header, "header name", "e.g. X-Api-Key"));
        eachValue(route, "allow_private_cidrs", route.allowPrivateCidrs(), CidrBlock::parse);
        eachValue(route, "connection_choices", route.connectionChoices(), ConnectionPattern::parse);
        if (route.connectionHeader() != null) {
            try {
                token(route.connectionHeader(), "header name", "e.g. " + ConnectionChoices.DEFAULT_HEADER);
            } catch (PatternException e) {
                error(route, "connection_header", e.getMessage());
            }
        }
        checkAction(route);
        if (route.replayBufferBytes() != null && route.replayBufferBytes() < 0) {
            error(route, "replay_buffer_bytes", "must be 0 (no replay copy) or a positive number of bytes, got "
                    + route.replayBufferBytes());
        }
        if (route.maxBodyBytes() != null && route.maxBodyBytes() < 1) {
            error(route, "max_body_bytes", "must be a positive number of bytes, got " + route.maxBodyBytes());
        }
    }

    private void checkAction(Route route) {
        ActionType action = route.action();
        if (action == ActionType.INJECT && (route.connection() == null || route.connection().isBlank())
                && route.connectionChoices().isEmpty()) {
            error(route, "", "inject route \"" + route.name() + "\" needs a connection (connection: <connection id>)"
                    + " or connection_choices the agent selects from");
        }
        onlyWith(route, action == ActionType.INJECT, route.connection() != null, "connection", "action: inject");
        onlyWith(route, action == ActionType.INJECT, !route.connectionChoices().isEmpty(), "connection_choices",
                "action: inject");
        if (route.connectionHeader() != null && route.connectionChoices().isEmpty()) {
            error(route, "connection_header", "connection_header is only allowed with connection_choices");
        }
        onlyWith(route, action == ActionType.INJECT, route.strategy() != null, "strategy", "action: inject");
        onlyWith(route, action == ActionType.INJECT, route.maxBodyBytes() != null, "max_body_bytes", "action: inject");
        onlyWith(route, action == ActionType.INJECT, route.replayBufferBytes() != null, "replay_buffer_bytes",
                "action: inject");
        onlyWith(route, action == ActionType.INJECT, route.unsignedPayload(), "unsigned_payload", "action: inject");
        onlyWith(route, action == ActionType.INJECT, route.redactResponses() != null, "redact_responses", "action: inject");
        if (route.redactResponses() != null && RedactResponses.fromWireName(route.redactResponses()).isEmpty()) {
            error(route, "redact_responses", "invalid value \"" + route.redactResponses()
                    + "\" (expected full, headers or off)");
        }
        onlyWith(route, action == ActionType.INJECT, route.maxStreamLifetime() != null, "max_stream_lifetime",
                "action: inject");
        onlyWith(route, action == ActionType.INJECT, route.onCredentialExpiry() != null, "on_credential_expiry",
                "action: inject");
        onlyWith(route, action == ActionType.ALLOW, route.maxTunnelLifetime() != null, "max_tunnel_lifetime",
                "action: allow");
        if (route.onCredentialExpiry() != null && !ON_CREDENTIAL_EXPIRY.contains(route.onCredentialExpiry())) {
            error(route, "on_credential_expiry", "invalid value \"" + route.onCredentialExpiry()
                    + "\" (expected keep or close)");
        }
        onlyWith(route, action == ActionType.DENY, route.message() != null, "message", "action: deny");
        onlyWith(route, action != ActionType.DENY, route.interceptTls() != null, "intercept_tls", "action: inject or allow");
        onlyWith(route, action != ActionType.DENY, !route.stripRequestHeaders().isEmpty(), "strip_request_headers",
                "action: inject or allow");
        onlyWith(route, action != ActionType.DENY, route.timeout() != null, "timeout", "action: inject or allow");
        if (route.strategy() != null) {
            checkStrategy(route, route.strategy());
        }
        if (route.unsignedPayload() && route.strategy() != null && !route.strategy().type().equals(StrategyType.AWS_SIGV4.wireName())) {
            error(route, "unsigned_payload", "unsigned_payload only applies to the aws_sigv4 strategy, not "
                    + route.strategy().type());
        }
        checkCleartextInjection(route);
        boolean mayBeHttps = RouteSchemes.effective(route).contains("https");
        if (mayBeHttps && Boolean.FALSE.equals(route.interceptTls())) {
            if (action == ActionType.INJECT) {
                error(route, "intercept_tls", "an inject route that can match https needs intercept_tls: true"
                        + " (credentials cannot be added to a tunnel the proxy does not decrypt)");
            } else if (!route.match().paths().isEmpty() || !route.match().methods().isEmpty()) {
                error(route, "intercept_tls", "paths and methods cannot be enforced on https without intercept_tls: true");
            }
        }
    }

    /** Credentials sent over plain HTTP are worth a warning even where the policy permits it. */
    private void checkCleartextInjection(Route route) {
        if (RouteSchemes.cleartextAllowance(route)) {
            diagnostics.warning(route.location(), route.path(), "inject route \"" + route.name() + "\" also matches"
                    + " cleartext http because every host is a loopback or private address block: its credentials"
                    + " cross the network unencrypted there (list match.schemes to make this explicit)");
        } else if (RouteSchemes.injectsCleartextBeyondPrivateNetworks(route)) {
            diagnostics.warning(route.locationOf("match.schemes"), route.path("match.schemes"), "inject route \""
                    + route.name() + "\" lists http: its credentials cross the network unencrypted");
        }
    }

    private void checkStrategy(Route route, StrategySpec strategy) {
        StrategyType type = StrategyType.fromWireName(strategy.type()).orElse(null);
        if (type == null) {
            error(route, "strategy.type", "unknown strategy type \"" + strategy.type() + "\" (expected one of "
                    + Arrays.stream(StrategyType.values()).map(StrategyType::wireName).collect(Collectors.joining(", ")) + ")");
            return;
        }
        for (String key : strategy.config().keySet()) {
            if (!type.knownKeys().contains(key)) {
                error(route, "strategy.config." + key, "unknown config key \"" + key + "\" for strategy " + type.wireName()
                        + " (allowed: " + (type.knownKeys().isEmpty() ? "none" : String.join(", ", type.knownKeys().stream().sorted().toList())) + ")");
            } else if (strategy.config().get(key).isBlank()) {
                error(route, "strategy.config." + key, "must not be empty");
            }
        }
        for (String required : type.requiredKeys().stream().sorted().toList()) {
            if (!strategy.config().containsKey(required)) {
                String at = route.locations().containsKey("strategy.config") ? "strategy.config" : "strategy";
                error(route, at, "strategy " + type.wireName() + " requires config key \"" + required + "\"");
            }
        }
    }

    /**
     * Warns about a route that an earlier route beats for every request it could match: the earlier
     * route names every one of its hosts, ports, schemes, methods, agents and paths (a route without
     * paths is the least specific, so it shadows only routes without paths). Conservative: only
     * certain cases are reported.
     */
    private void checkShadowing(List<Route> routes) {
        // Only earlier routes naming the same first host can shadow a route: index them by host key,
        // so large generated policies are not compared pairwise.
        Map<String, List<Route>> earlierByHost = new HashMap<>();
        for (Route later : routes) {
            Set<String> keys = hostKeys(later.match().hosts());
            if (keys == null || keys.isEmpty()) {
                continue;
            }
            String anyKey = keys.iterator().next();
            for (Route earlier : earlierByHost.getOrDefault(anyKey, List.of())) {
                if (shadows(earlier, later)) {
                    diagnostics.warning(later.location(), later.path(), "route \"" + later.name()
                            + "\" is shadowed by route \"" + earlier.name() + "\" (" + earlier.location()
                            + ") and never matches");
                    break;
                }
            }
            for (String key : keys) {
                earlierByHost.computeIfAbsent(key, k -> new ArrayList<>()).add(later);
            }
        }
    }

    private static boolean shadows(Route a, Route b) {
        RouteMatch ma = a.match();
        RouteMatch mb = b.match();
        Set<String> hostsA = hostKeys(ma.hosts());
        Set<String> hostsB = hostKeys(mb.hosts());
        if (hostsA == null || hostsB == null || !hostsA.containsAll(hostsB)) {
            return false;
        }
        boolean agentsOk = ma.agents().isEmpty() || ma.agents().contains("*")
                || !mb.agents().isEmpty() && ma.agents().containsAll(mb.agents());
        boolean paths = ma.paths().isEmpty() ? mb.paths().isEmpty()
                : !mb.paths().isEmpty() && ma.paths().containsAll(mb.paths())
                && (ma.pathsIgnoreCase() || !mb.pathsIgnoreCase());
        return agentsOk && paths
                && (ma.ports().isEmpty() ? mb.ports().isEmpty() : !mb.ports().isEmpty() && ma.ports().containsAll(mb.ports()))
                && RouteSchemes.effective(a).containsAll(RouteSchemes.effective(b))
                && covers(upper(ma.methods()), upper(mb.methods()));
    }

    /** An absent list matches everything; a present one must contain every value of the other. */
    private static boolean covers(List<String> a, List<String> b) {
        return a.isEmpty() || !b.isEmpty() && a.containsAll(b);
    }

    private static Set<String> hostKeys(List<String> hosts) {
        Set<String> keys = new HashSet<>();
        try {
            for (String host : hosts) {
                keys.add(HostPattern.parse(host).key());
            }
        } catch (PatternException e) {
            return null;
        }
        return keys;
    }

    private static List<String> upper(List<String> values) {
        return values.stream().map(v -> v.toUpperCase(Locale.ROOT)).toList();
    }

    private static String token(String value, String what, String example) {
        if (!TOKEN.matcher(value).matches()) {
            throw new PatternException("invalid " + what + " \"" + value + "\" (" + example + ")");
        }
        return value;
    }

    private void eachValue(Route route, String field, List<String> values, Function<String, ?> parser) {
        for (int i = 0; i < values.size(); i++) {
            try {
                parser.apply(values.get(i));
            } catch (PatternException e) {
                error(route, field + "[" + i + "]", e.getMessage());
            }
        }
    }

    private void onlyWith(Route route, boolean allowed, boolean present, String field, String requirement) {
        if (present && !allowed) {
            error(route, field, field + " is only allowed with " + requirement + " (this route is "
                    + route.action().wireName() + ")");
        }
    }

    private void error(Route route, String field, String message) {
        diagnostics.error(field.isEmpty() ? route.location() : route.locationOf(field),
                field.isEmpty() ? route.path() : route.path(field), message);
    }
}
