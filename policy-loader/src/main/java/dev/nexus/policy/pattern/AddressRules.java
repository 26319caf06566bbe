package dev.nexus.policy.pattern;

import java.util.List;

/**
 * The destination ranges a route that names hosts may never reach unless it lists them
 * explicitly: this is what stops DNS names (or rebinding) from pointing the proxy at itself,
 * the cluster, or the cloud metadata service.
 */
public final class AddressRules {

    /** Loopback, link-local (incl. 169.254.169.254), private, CGNAT, unique-local, unspecified, multicast, reserved. */
    public static final List<CidrBlock> RESTRICTED = List.of(
            CidrBlock.parse("0.0.0.0/8"),
            CidrBlock.parse("127.0.0.0/8"),
            CidrBlock.parse("169.254.0.0/16"),
            CidrBlock.parse("10.0.0.0/8"),
            CidrBlock.parse("172.16.0.0/12"),
            CidrBlock.parse("192.168.0.0/16"),
            CidrBlock.parse("100.64.0.0/10"),
            CidrBlock.parse("224.0.0.0/4"),
            CidrBlock.parse("240.0.0.0/4"),
            CidrBlock.parse("::/128"),
            CidrBlock.parse("::1/128"),
            CidrBlock.parse("fe80::/10"),
            CidrBlock.parse("fec0::/10"),
            CidrBlock.parse("fc00::/7"),
            CidrBlock.parse("ff00::/8"));

    private AddressRules() {
    }

    /** Whether {@code address} is in a restricted range (IPv4-mapped IPv6 counts as IPv4, see {@link IpAddress#of}). */
    public static boolean isRestricted(IpAddress address) {
        for (CidrBlock block : RESTRICTED) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
