package dev.nexus.proxy.tls;

import io.netty.util.NetUtil;
import java.util.Locale;

/**
 * Normalises the host of a CONNECT request or a ClientHello SNI so that the SNI check, the leaf cache
 * key and the leaf's SAN all agree on one spelling: lower case, no trailing dot, IPv6 without brackets.
 */
final class HostNames {

    private HostNames() {
    }

    /**
     * The canonical spelling of {@code host}.
     *
     * @throws IllegalArgumentException if the host is empty once normalised
     */
    static String normalize(String host) {
        String h = host.trim();
        if (h.length() >= 2 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
            h = h.substring(1, h.length() - 1);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("empty host name: '" + host + "'");
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /**
     * Checks that a normalised host can be named in a certificate: an IP literal, or a DNS name of
     * ASCII letters, digits, hyphens and underscores in labels of 1 to 63 characters (internationalised
     * names must arrive in punycode). Anything else would produce a SAN no client can match.
     *
     * @throws IllegalArgumentException naming the host otherwise
     */
    static String requireCertifiable(String normalizedHost) {
        if (isIpLiteral(normalizedHost)) {
            return normalizedHost;
        }
        boolean valid = normalizedHost.length() <= 253;
        for (String label : normalizedHost.split("\\.", -1)) {
            valid &= !label.isEmpty() && label.length() <= 63 && label.chars().allMatch(HostNames::isLdhOrUnderscore);
        }
        if (!valid) {
            throw new IllegalArgumentException("cannot issue a certificate for '" + normalizedHost
                    + "': not an IP literal or an ASCII DNS name (IDNs must be punycode)");
        }
        return normalizedHost;
    }

    private static boolean isLdhOrUnderscore(int c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    /** True for an IPv4 or IPv6 literal (brackets allowed); such hosts get an IP SAN and no SNI. */
    static boolean isIpLiteral(String host) {
        String h = host;
        if (h.length() >= 2 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
            h = h.substring(1, h.length() - 1);
        }
        return NetUtil.isValidIpV4Address(h) || NetUtil.isValidIpV6Address(h);
    }
}
