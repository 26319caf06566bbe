package dev.nexus.policy.compile;

import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.PatternException;

import java.util.List;
import java.util.Locale;

/**
 * Which schemes a route matches when {@code match.schemes} is absent. Credentials must not cross the network
 * in cleartext by default, so an {@code inject} route then matches {@code https} only, unless every one of its
 * hosts is an address block inside loopback or a private range: there plain HTTP stays on the host or the
 * private network, so it keeps matching {@code http} too (and the validator warns). Listing {@code http}
 * explicitly always allows it. Other actions match both schemes.
 */
public final class RouteSchemes {

    private static final List<String> BOTH = List.of("http", "https");
    private static final List<String> HTTPS_ONLY = List.of("https");
    private static final List<CidrBlock> LOCAL_OR_PRIVATE = List.of("127.0.0.0/8", "::1/128", "10.0.0.0/8",
            "172.16.0.0/12", "192.168.0.0/16", "fc00::/7").stream().map(CidrBlock::parse).toList();

    private RouteSchemes() {
    }

    /** The lower-case schemes {@code route} matches. */
    public static List<String> effective(Route route) {
        List<String> listed = route.match().schemes();
        if (!listed.isEmpty()) {
            return listed.stream().map(s -> s.toLowerCase(Locale.ROOT)).distinct().toList();
        }
        if (route.action() != ActionType.INJECT || cleartextAllowance(route)) {
            return BOTH;
        }
        return HTTPS_ONLY;
    }

    /**
     * Whether an inject route without {@code schemes} matches {@code http} because all its hosts are loopback or
     * private address blocks (the exception to https-only that deserves a warning at load).
     */
    public static boolean cleartextAllowance(Route route) {
        return route.action() == ActionType.INJECT && route.match().schemes().isEmpty() && allHostsLocalOrPrivate(route);
    }

    /** Whether an explicit {@code http} sends this inject route's credentials over a network in cleartext. */
    public static boolean injectsCleartextBeyondPrivateNetworks(Route route) {
        return route.action() == ActionType.INJECT && !route.match().schemes().isEmpty()
                && effective(route).contains("http") && !allHostsLocalOrPrivate(route);
    }

    private static boolean allHostsLocalOrPrivate(Route route) {
        try {
            for (String host : route.match().hosts()) {
                HostPattern pattern = HostPattern.parse(host);
                if (pattern.kind() != HostPattern.Kind.CIDR || !isLocalOrPrivate(pattern.cidr())) {
                    return false;
                }
            }
        } catch (PatternException invalid) {
            return false;
        }
        return !route.match().hosts().isEmpty();
    }

    private static boolean isLocalOrPrivate(CidrBlock block) {
        for (CidrBlock local : LOCAL_OR_PRIVATE) {
            if (block.prefix() >= local.prefix() && local.contains(block.base())) {
                return true;
            }
        }
        return false;
    }
}
