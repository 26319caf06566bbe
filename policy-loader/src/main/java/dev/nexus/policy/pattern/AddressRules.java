package dev.nexus.policy.pattern;

import java.util.List;
import java.util.stream.Stream;

/**
 * The destination ranges a route that names hosts may never reach unless it lists them
 * explicitly: this is what stops DNS names (or rebinding) from pointing the proxy at itself,
 * the cluster, or the cloud metadata service.
 */
public final class AddressRules {

    /**
     * The IANA special-purpose address registries (RFC 6890 and later entries) that are not globally
     * reachable or only for documentation and testing: loopback, link-local (incl. 169.254.169.254),
     * private, CGNAT, unique-local, unspecified, multicast, reserved, documentation, benchmarking,
     * discard-only, IETF protocol assignments (incl. Teredo), local-use NAT64.
     */
    public static final List<CidrBlock> RESTRICTED = blocks(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
            "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8");

    private AddressRules() {
    }

    /**
     * Whether {@code address} is in a restricted range, or carries an IPv4 address that is
     * ({@link EmbeddedIpv4}: IPv4-compatible, IPv4-translated, NAT64, 6to4; IPv4-mapped IPv6 is IPv4
     * already, see {@link IpAddress#of}).
     */
    public static boolean isRestricted(IpAddress address) {
        if (inRestrictedBlock(address)) {
            return true;
        }
        IpAddress embedded = EmbeddedIpv4.of(address);
        return embedded != null && inRestrictedBlock(embedded);
    }

    private static boolean inRestrictedBlock(IpAddress address) {
        for (CidrBlock block : RESTRICTED) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static List<CidrBlock> blocks(String... cidrs) {
        return Stream.of(cidrs).map(CidrBlock::parse).toList();
    }
}
