package dev.nexus.policy.match;

import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.SourceLocation;
import dev.nexus.policy.pattern.AgentPattern;

import java.util.Arrays;

/**
 * A route's request conditions in matching form (arrays, bit masks), apart from host and path,
 * which the {@link HostIndex} and {@link RouteEntry} handle. Immutable; checks allocate nothing.
 */
public final class CompiledRoute {

    static final int SCHEME_HTTP = 1;
    static final int SCHEME_HTTPS = 2;

    /** Results of {@link #check}: 0 is a match, the others name the first condition that failed. */
    static final int MATCH = 0;
    static final int WRONG_SCHEME = 1;
    static final int WRONG_PORT = 2;
    static final int WRONG_METHOD = 3;
    static final int WRONG_AGENT = 4;

    private final String name;
    private final int order;
    private final SourceLocation location;
    private final ActionType action;
    private final int schemeMask;
    private final int[] ports;
    private final String[] methods;
    private final AgentPattern[] agents;
    private final boolean hasPaths;

    /**
     * @param order   position in the whole document (0-based), the last tie-breaker
     * @param schemes empty for both http and https
     * @param ports   empty for the scheme's default port
     * @param methods empty for any method
     * @param agents  empty for every agent
     */
    public CompiledRoute(String name, int order, SourceLocation location, ActionType action, String[] schemes,
                         int[] ports, String[] methods, AgentPattern[] agents, boolean hasPaths) {
        this.name = name;
        this.order = order;
        this.location = location;
        this.action = action;
        int mask = 0;
        for (String scheme : schemes) {
            mask |= schemeBit(scheme);
        }
        this.schemeMask = schemes.length == 0 ? SCHEME_HTTP | SCHEME_HTTPS : mask;
        this.ports = ports.length == 0 ? null : ports.clone();
        this.methods = methods.length == 0 ? null : methods.clone();
        boolean everyAgent = agents.length == 0 || Arrays.stream(agents).anyMatch(AgentPattern::matchesAll);
        this.agents = everyAgent ? null : agents.clone();
        this.hasPaths = hasPaths;
    }

    static int schemeBit(String scheme) {
        if (scheme == null) {
            return 0;
        }
        if (scheme.equalsIgnoreCase("https")) {
            return SCHEME_HTTPS;
        }
        return scheme.equalsIgnoreCase("http") ? SCHEME_HTTP : 0;
    }

    /**
     * Checks everything but host and path. {@code method} is ignored when {@code null}
     * (tunnel decisions, made before any request is seen).
     */
    int check(int schemeBit, int port, String method, String agent) {
        if ((schemeMask & schemeBit) == 0) {
            return WRONG_SCHEME;
        }
        if (ports == null) {
            int expected = schemeBit == SCHEME_HTTPS ? 443 : 80;
            if (port != expected) {
                return WRONG_PORT;
            }
        } else if (!contains(ports, port)) {
            return WRONG_PORT;
        }
        if (method != null && methods != null && !containsIgnoreCase(methods, method)) {
            return WRONG_METHOD;
        }
        if (agents != null && !anyAgent(agent == null ? "" : agent)) {
            return WRONG_AGENT;
        }
        return MATCH;
    }

    private boolean anyAgent(String agent) {
        for (AgentPattern pattern : agents) {
            if (pattern.matches(agent)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsIgnoreCase(String[] values, String value) {
        for (String v : values) {
            if (v.equalsIgnoreCase(value)) {
                return true;
            }
        }
        return false;
    }

    /** Explains a {@link #check} result in words, for {@code policy explain}. */
    String describeMismatch(int code, String scheme, int port, String method, String agent) {
        return switch (code) {
            case WRONG_SCHEME -> "scheme " + scheme + " not in its schemes";
            case WRONG_PORT -> ports == null ? "port " + port + " is not the default port of " + scheme
                    : "port " + port + " not in " + Arrays.toString(ports);
            case WRONG_METHOD -> "method " + method + " not in " + Arrays.toString(methods);
            case WRONG_AGENT -> "agent \"" + agent + "\" not in " + Arrays.toString(agents);
            default -> "matched";
        };
    }

    public String name() {
        return name;
    }

    public int order() {
        return order;
    }

    public SourceLocation location() {
        return location;
    }

    public ActionType action() {
        return action;
    }

    /** {@link #SCHEME_HTTP} and/or {@link #SCHEME_HTTPS}. */
    int schemeMask() {
        return schemeMask;
    }

    /** The ports, or {@code null} for the scheme's default port. Not to be changed. */
    int[] ports() {
        return ports;
    }

    /** The methods in upper case, or {@code null} for any method. Not to be changed. */
    String[] methods() {
        return methods;
    }

    /** Whether only some agents match. */
    boolean restrictsAgents() {
        return agents != null;
    }

    /** Whether the route restricts paths or methods, which a tunnel decision cannot see. */
    boolean restrictsRequests() {
        return hasPaths || methods != null;
    }
}
