package dev.nexus.policy.match;

import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.IpAddress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the most specific {@link HostGroup} for a normalised host: exact names and wildcard suffixes
 * in two {@link HostTable}s, IP literals in a {@link PrefixTrie}, then {@code *}. Each group links to
 * the next less specific one, so precedence "exact > longer wildcard > shorter wildcard > CIDR by
 * longer prefix > *" is a walk along {@link HostGroup#next}. The same groups, packed for deciding
 * requests, are in {@link #compact()}.
 */
final class HostIndex {

    private final HostTable exact;
    private final HostTable wildcards;
    private final PrefixTrie cidrs;
    private final HostGroup any;
    private final CompactRoutes compact;

    private HostIndex(HostTable exact, HostTable wildcards, PrefixTrie cidrs, HostGroup any, CompactRoutes compact) {
        this.exact = exact;
        this.wildcards = wildcards;
        this.cidrs = cidrs;
        this.any = any;
        this.compact = compact;
    }

    /** The first group to try for {@code host} (already normalised), or {@code null} when none covers it. */
    HostGroup lookup(String host) {
        IpAddress ip = ipLiteral(host);
        if (ip != null) {
            return cidrOrAny(ip);
        }
        int slot = exact.find(host, 0, HostTable.hash(host));
        if (slot != HostTable.ABSENT) {
            return exact.group(slot);
        }
        slot = longestWildcard(host);
        return slot != HostTable.ABSENT ? wildcards.group(slot) : any;
    }

    /** Where {@link #compact()} holds the routes of {@link #lookup}'s group; -1 when there is none. */
    int routes(String host) {
        IpAddress ip = ipLiteral(host);
        if (ip != null) {
            HostGroup group = cidrOrAny(ip);
            return group == null ? -1 : group.routes;
        }
        int slot = exact.find(host, 0, HostTable.hash(host));
        if (slot != HostTable.ABSENT) {
            return exact.routes(slot);
        }
        slot = longestWildcard(host);
        return slot != HostTable.ABSENT ? wildcards.routes(slot) : any == null ? -1 : any.routes;
    }

    CompactRoutes compact() {
        return compact;
    }

    private HostGroup cidrOrAny(IpAddress ip) {
        HostGroup group = cidrs.longestMatch(ip);
        return group != null ? group : any;
    }

    private static IpAddress ipLiteral(String host) {
        char first = host.charAt(0);
        return first >= '0' && first <= '9' || host.indexOf(':') >= 0 ? IpAddress.parse(host) : null;
    }

    /**
     * The slot of the longest wildcard covering {@code host} (which keeps at least one label in front of
     * the suffix), or {@link HostTable#ABSENT}. Walks the suffixes from the last label leftwards, hashing
     * as it goes, and stops at the first suffix that neither is a wildcard's nor ends a longer one's.
     */
    private int longestWildcard(String host) {
        int best = HostTable.ABSENT;
        int hash = 0;
        for (int i = host.length() - 1; i > 0; i--) {
            char c = host.charAt(i);
            if (c == '.') {
                int slot = wildcards.find(host, i + 1, hash);
                if (slot == HostTable.ABSENT) {
                    break;
                }
                best = wildcards.group(slot) != null ? slot : best;
                if (!wildcards.hasLonger(slot)) {
                    break;
                }
            }
            hash = HostTable.step(hash, c);
        }
        return best;
    }

    /** Collects entries per host key, then builds the groups and links them. */
    static final class Builder {
        private final Map<String, List<RouteEntry>> exact = new LinkedHashMap<>();
        private final Map<String, List<RouteEntry>> wildcards = new LinkedHashMap<>();
        private final Map<CidrBlock, List<RouteEntry>> cidrs = new LinkedHashMap<>();
        private final List<RouteEntry> any = new ArrayList<>();

        void add(HostPattern pattern, RouteEntry entry) {
            List<RouteEntry> list = switch (pattern.kind()) {
                case EXACT -> exact.computeIfAbsent(pattern.name(), k -> new ArrayList<>());
                case WILDCARD -> wildcards.computeIfAbsent(pattern.name(), k -> new ArrayList<>());
                case CIDR -> cidrs.computeIfAbsent(pattern.cidr(), k -> new ArrayList<>());
                case ANY -> any;
            };
            list.add(entry);
        }

        HostIndex build() {
            HostGroup anyGroup = any.isEmpty() ? null : new HostGroup("any host (*)", any);
            HostTable.Builder wildcardKeys = new HostTable.Builder();
            Map<String, HostGroup> wildcardGroups = new LinkedHashMap<>();
            wildcards.forEach((suffix, list) -> {
                HostGroup group = new HostGroup("wildcard *." + suffix, list);
                wildcardGroups.put(suffix, group);
                wildcardKeys.putWithSuffixes(suffix, group);
            });
            // A wildcard's next is the longest shorter wildcard covering its suffix (e.g. *.b.c -> *.c).
            wildcardGroups.forEach((suffix, group) -> group.next = longestWildcard(wildcardGroups, suffix, anyGroup));
            HostTable.Builder exactKeys = new HostTable.Builder();
            exact.forEach((name, list) -> {
                HostGroup group = new HostGroup("exact host " + name, list);
                group.next = longestWildcard(wildcardGroups, name, anyGroup);
                exactKeys.put(name, group);
            });
            PrefixTrie prefixTrie = new PrefixTrie();
            Map<CidrBlock, HostGroup> cidrGroups = new LinkedHashMap<>();
            cidrs.forEach((block, list) -> {
                HostGroup group = new HostGroup((block.prefix() == block.base().bitLength() ? "address " : "CIDR ")
                        + block, list);
                cidrGroups.put(block, group);
                prefixTrie.put(block, group);
            });
            cidrGroups.forEach((block, group) -> {
                HostGroup shorter = block.prefix() == 0 ? null : prefixTrie.longestMatch(block.base(), block.prefix() - 1);
                group.next = shorter != null ? shorter : anyGroup;
            });
            CompactRoutes.Builder routes = new CompactRoutes.Builder();
            exactKeys.writeTo(routes);
            wildcardKeys.writeTo(routes);
            cidrGroups.values().forEach(routes::group);
            if (anyGroup != null) {
                routes.group(anyGroup);
            }
            CompactRoutes compact = routes.build();
            return new HostIndex(exactKeys.build(compact), wildcardKeys.build(compact), prefixTrie, anyGroup, compact);
        }

        /** The group of the longest wildcard whose suffix ends {@code name} after a dot, else {@code fallback}. */
        private static HostGroup longestWildcard(Map<String, HostGroup> wildcards, String name, HostGroup fallback) {
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                HostGroup group = wildcards.get(name.substring(dot + 1));
                if (group != null) {
                    return group;
                }
            }
            return fallback;
        }
    }
}
