package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.policy.pattern.CidrBlock;
import dev.nexus.policy.pattern.IpAddress;
import dev.nexus.policy.pattern.PatternException;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code source} method: client addresses and CIDRs (IPv4 and IPv6) mapped to identity names, for
 * the sidecar case where the only client is the pod itself. The most specific block wins
 * ({@code 10.0.0.7} beats {@code 10.0.0.0/24}); an IPv4-mapped IPv6 client address is matched as IPv4.
 */
public final class SourceIdentities {

    private record Entry(CidrBlock block, AgentIdentity identity) {
    }

    private final List<Entry> entries;

    private SourceIdentities(List<Entry> entries) {
        this.entries = entries;
    }

    /**
     * @param cidrToName address or CIDR text to identity name
     * @throws IdentityConfigException naming the entry whose CIDR or name is invalid
     */
    public static SourceIdentities parse(Map<String, String> cidrToName) throws IdentityConfigException {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : cidrToName.entrySet()) {
            String problem = problemWith(e.getKey(), e.getValue());
            if (problem != null) {
                throw new IdentityConfigException("source \"" + e.getKey() + "\": " + problem);
            }
            entries.add(new Entry(CidrBlock.parse(e.getKey().trim()),
                    new AgentIdentity(e.getValue().trim(), AgentIdentity.Method.SOURCE)));
        }
        entries.sort(Comparator.comparingInt((Entry entry) -> entry.block.prefix()).reversed());
        return new SourceIdentities(List.copyOf(entries));
    }

    /** What is wrong with one entry, or {@code null} when it is usable; for configuration checks. */
    public static String problemWith(String cidr, String name) {
        if (name == null || name.isBlank()) {
            return "identity name must not be empty";
        }
        try {
            CidrBlock.parse(cidr.trim());
            return null;
        } catch (PatternException e) {
            return e.getMessage();
        }
    }

    /** The identity for a client at {@code address}, or {@code null} when no block contains it. */
    AgentIdentity lookup(InetAddress address) {
        IpAddress ip = IpAddress.of(address);
        for (Entry entry : entries) {
            if (entry.block.contains(ip)) {
                return entry.identity;
            }
        }
        return null;
    }

    /** Every configured name: bounded metric labels for {@code source} identities. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        entries.forEach(entry -> names.add(entry.identity.name()));
        return names;
    }
}
