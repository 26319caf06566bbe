package dev.nexus.policy.match;

import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.HostPattern;
import dev.nexus.policy.pattern.IpAddress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the most specific {@link HostGroup} for a normalised host: exact names in a hash map,
 * wildcards in a {@link LabelTrie}, IP literals in a {@link PrefixTrie}, then {@code *}. Each group
 * links to the next less specific one, so precedence "exact > longer wildcard > shorter wildcard
 * > CIDR by longer prefix > *" is a walk along {@link HostGroup#next}.
 */
final class HostIndex {

    private final Map<String, HostGroup> exact;
    private final LabelTrie wildcards;
    private final PrefixTrie cidrs;
    private final HostGroup any;

    private HostIndex(Map<String, HostGroup> exact, LabelTrie wildcards, PrefixTrie cidrs, HostGroup any) {
        this.exact = exact;
        this.wildcards = wildcards;
        this.cidrs = cidrs;
        this.any = any;
    }

    /** The first group to try for {@code host} (already normalised), or {@code null} when none covers it. */
    HostGroup lookup(String host) {
        char first = host.charAt(0);
        if (first >= '0' && first <= '9' || host.indexOf(':') >= 0) {
            IpAddress ip = IpAddress.parse(host);
            if (ip != null) {
                HostGroup group = cidrs.longestMatch(ip);
                return group != null ? group : any;
            }
        }
        HostGroup group = exact.get(host);
        if (group != null) {
            return group;
        }
        group = wildcards.longestMatch(host);
        return group != null ? group : any;
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
            LabelTrie trie = new LabelTrie();
            Map<String, HostGroup> wildcardGroups = new HashMap<>();
            wildcards.forEach((suffix, list) -> {
                HostGroup group = new HostGroup("wildcard *." + suffix, list);
                wildcardGroups.put(suffix, group);
                trie.put(suffix, group);
            });
            // A wildcard's next is the longest shorter wildcard covering its suffix (e.g. *.b.c -> *.c).
            wildcardGroups.forEach((suffix, group) -> {
                HostGroup shorter = trie.longestMatch(suffix);
                group.next = shorter != null ? shorter : anyGroup;
            });
            Map<String, HostGroup> exactGroups = new HashMap<>(exact.size() * 2);
            exact.forEach((name, list) -> {
                HostGroup group = new HostGroup("exact host " + name, list);
                HostGroup wildcard = trie.longestMatch(name);
                group.next = wildcard != null ? wildcard : anyGroup;
                exactGroups.put(name, group);
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
            return new HostIndex(exactGroups, trie, prefixTrie, anyGroup);
        }
    }
}
