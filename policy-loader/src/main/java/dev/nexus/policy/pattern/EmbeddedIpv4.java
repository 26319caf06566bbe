package dev.nexus.policy.pattern;

/**
 * The IPv4 address carried inside an IPv6 address by the transition formats, so that the IPv4
 * rules apply to it: {@code [::7f00:1]} must be refused like {@code 127.0.0.1}. IPv4-mapped
 * addresses never get here ({@link IpAddress} already turns them into IPv4).
 *
 * <ul>
 *   <li>IPv4-compatible {@code ::a.b.c.d} (RFC 4291 section 2.5.5.1, deprecated; {@code ::} and {@code ::1} excluded)</li>
 *   <li>IPv4-translated {@code ::ffff:0:a.b.c.d} (RFC 2765)</li>
 *   <li>NAT64 well-known prefix {@code 64:ff9b::/96} (RFC 6052)</li>
 *   <li>6to4 {@code 2002:AABB:CCDD::/48} (RFC 3056)</li>
 * </ul>
 */
final class EmbeddedIpv4 {

    private static final long NAT64_HI = 0x0064_ff9b_0000_0000L;
    private static final long TRANSLATED_MARK = 0xffff_0000L;
    private static final long SIX_TO_FOUR = 0x2002L;

    private EmbeddedIpv4() {
    }

    /** The embedded IPv4 address, or {@code null} when {@code address} is IPv4 or carries none. */
    static IpAddress of(IpAddress address) {
        if (!address.v6()) {
            return null;
        }
        long hi = address.hi();
        long lo = address.lo();
        long upper = lo >>> 32;
        if (hi == 0 && upper == 0 && lo > 1) {
            return ipv4(lo);
        }
        if (hi == 0 && upper == TRANSLATED_MARK) {
            return ipv4(lo);
        }
        if (hi == NAT64_HI && upper == 0) {
            return ipv4(lo);
        }
        if (hi >>> 48 == SIX_TO_FOUR) {
            return ipv4(hi >>> 16);
        }
        return null;
    }

    private static IpAddress ipv4(long bits) {
        return new IpAddress(false, 0, bits & 0xFFFF_FFFFL);
    }
}
