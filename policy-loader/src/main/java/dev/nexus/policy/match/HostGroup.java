package dev.nexus.policy.match;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The routes for one host key (an exact name, a wildcard suffix, a CIDR or {@code *}), in the
 * order they are tried, plus a link to the next less specific group that also covers the key,
 * so a lookup walks a precomputed chain instead of searching again.
 */
final class HostGroup {

    private static final Comparator<RouteEntry> REQUEST_ORDER = Comparator
            .comparingInt(RouteEntry::specificity).reversed()
            .thenComparingInt(e -> e.route().order());

    final String description;
    /** Entries by path specificity (descending), then document order: the request precedence. */
    final RouteEntry[] entries;
    /** One entry per route (its first), in document order: what a tunnel decision considers. */
    final RouteEntry[] tunnelEntries;
    /** The next less specific group covering this key, or {@code null}. Set once while compiling. */
    HostGroup next;
    /** Where {@link CompactRoutes} holds this group's entries. Set once while compiling. */
    int routes = -1;

    HostGroup(String description, List<RouteEntry> entries) {
        this.description = description;
        this.entries = entries.stream().sorted(REQUEST_ORDER).toArray(RouteEntry[]::new);
        this.tunnelEntries = entries.stream()
                .filter(distinctRoute())
                .sorted(Comparator.comparingInt(e -> e.route().order()))
                .toArray(RouteEntry[]::new);
    }

    private static Predicate<RouteEntry> distinctRoute() {
        Set<CompiledRoute> seen = new HashSet<>();
        return e -> seen.add(e.route());
    }
}
