package dev.nexus.server.k8s.iptables;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation, validated without ever touching DNS (a typo must be an
 * error, not a lookup). A bare address means a single host (/32 or /128).
 */
public record Cidr(String address, int prefix, boolean ipv6) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** Parses {@code 10.0.0.0/8}, {@code fd00::/8} or a bare address; the message names the bad text. */
    public static Cidr parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String addr = slash < 0 ? trimmed : trimmed.substring(0, slash);
        boolean v6;
        if (IPV4.matcher(addr).matches()) {
            v6 = false;
        } else if (IPV6.matcher(addr).matches()) {
            v6 = true;
        } else {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 CIDR");
        }
        InetAddress parsed;
        try {
            // Only literals reach this point (checked above), so no name resolution happens.
            parsed = InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 CIDR");
        }
        if ((parsed instanceof Inet6Address) != v6) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 CIDR");
        }
        int max = v6 ? 128 : 32;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0-" + max);
            }
        }
        return new Cidr(addr, prefix, v6);
    }

    @Override
    public String toString() {
        return address + "/" + prefix;
    }
}
