package dev.nexus.policy.pattern;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address as two longs, so prefix matching works bit by bit without
 * {@link InetAddress} (which may resolve names and allocates on every parse).
 * IPv4 addresses live in the low 32 bits of {@code lo}; IPv4-mapped IPv6 addresses are IPv4.
 */
public record IpAddress(boolean v6, long hi, long lo) {

    /** Number of bits: 32 or 128. */
    public int bitLength() {
        return v6 ? 128 : 32;
    }

    /** Bit {@code index} counted from the most significant bit (0-based). */
    public int bit(int index) {
        if (!v6) {
            return (int) (lo >>> (31 - index)) & 1;
        }
        return index < 64 ? (int) (hi >>> (63 - index)) & 1 : (int) (lo >>> (127 - index)) & 1;
    }

    /** The address for an {@link InetAddress}; IPv4-mapped IPv6 addresses become IPv4. */
    public static IpAddress of(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return new IpAddress(false, 0, toLong(bytes, 0, 4));
        }
        return mappedOrV6(toLong(bytes, 0, 8), toLong(bytes, 8, 8));
    }

    /** IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) is the IPv4 address, so it meets the same rules. */
    private static IpAddress mappedOrV6(long hi, long lo) {
        if (hi == 0 && (lo >>> 32) == 0xFFFFL) {
            return new IpAddress(false, 0, lo & 0xFFFFFFFFL);
        }
        return new IpAddress(true, hi, lo);
    }

    private static long toLong(byte[] bytes, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return value;
    }

    /**
     * Parses an IP literal: dotted-quad IPv4 or IPv6 (optionally in brackets, with an embedded
     * IPv4 tail). Returns {@code null} for anything else, including host names, so callers can
     * use it to tell literals from names. Zone ids ({@code fe80::1%eth0}) are not literals here.
     */
    public static IpAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        int from = 0;
        int to = text.length();
        if (text.charAt(0) == '[') {
            if (text.charAt(to - 1) != ']') {
                return null;
            }
            from = 1;
            to--;
        }
        if (text.indexOf(':', from) >= 0) {
            return parseV6(text, from, to);
        }
        long v4 = parseV4(text, from, to);
        return v4 < 0 ? null : new IpAddress(false, 0, v4);
    }

    /** Strict dotted quad (no octal, hex or short forms); -1 when not one. */
    static long parseV4(String text, int from, int to) {
        long value = 0;
        int parts = 0;
        int i = from;
        while (i <= to) {
            int start = i;
            int octet = 0;
            while (i < to && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                octet = octet * 10 + (text.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return -1;
                }
            }
            int digits = i - start;
            if (digits == 0 || octet > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return -1;
            }
            value = (value << 8) | octet;
            parts++;
            if (i == to) {
                break;
            }
            if (text.charAt(i) != '.' || parts == 4) {
                return -1;
            }
            i++;
        }
        return parts == 4 ? value : -1;
    }

    private static IpAddress parseV6(String text, int from, int to) {
        int[] groups = new int[8];
        int count = 0;
        int gapAt = -1;
        int i = from;
        if (to - from >= 2 && text.charAt(from) == ':' && text.charAt(from + 1) == ':') {
            gapAt = 0;
            i += 2;
            if (i == to) {
                return new IpAddress(true, 0, 0);
            }
        } else if (i < to && text.charAt(i) == ':') {
            return null;
        }
        while (i < to) {
            int start = i;
            int value = 0;
            while (i < to && Character.digit(text.charAt(i), 16) >= 0 && i - start < 4) {
                value = (value << 4) | Character.digit(text.charAt(i), 16);
                i++;
            }
            if (i < to && text.charAt(i) == '.') {
                long v4 = parseV4(text, start, to);
                if (v4 < 0 || count > 6) {
                    return null;
                }
                groups[count++] = (int) (v4 >>> 16);
                groups[count++] = (int) (v4 & 0xFFFF);
                i = to;
                break;
            }
            if (i == start || count == 8) {
                return null;
            }
            groups[count++] = value;
            if (i == to) {
                break;
            }
            if (text.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < to && text.charAt(i) == ':') {
                if (gapAt >= 0) {
                    return null;
                }
                gapAt = count;
                i++;
            } else if (i == to) {
                return null;
            }
        }
        if (gapAt < 0 && count != 8 || gapAt >= 0 && count > 7) {
            return null;
        }
        int[] full = new int[8];
        int tail = count - Math.max(gapAt, 0);
        for (int g = 0; g < (gapAt < 0 ? count : gapAt); g++) {
            full[g] = groups[g];
        }
        if (gapAt >= 0) {
            for (int g = 0; g < tail; g++) {
                full[8 - tail + g] = groups[gapAt + g];
            }
        }
        long hi = 0;
        long lo = 0;
        for (int g = 0; g < 4; g++) {
            hi = (hi << 16) | full[g];
            lo = (lo << 16) | full[g + 4];
        }
        return mappedOrV6(hi, lo);
    }

    @Override
    public String toString() {
        if (!v6) {
            return (lo >>> 24) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF);
        }
        StringBuilder text = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            long word = g < 4 ? hi : lo;
            int shift = 48 - 16 * (g % 4);
            if (g > 0) {
                text.append(':');
            }
            text.append(Long.toHexString((word >>> shift) & 0xFFFF));
        }
        return text.toString();
    }
}
