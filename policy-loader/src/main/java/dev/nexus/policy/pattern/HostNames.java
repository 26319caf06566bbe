package dev.nexus.policy.pattern;

import java.net.IDN;

/**
 * Host normalisation shared by policy patterns and requests, so both sides compare the same
 * spelling: lower case, no trailing dot, IDN labels as punycode, IPv6 without brackets.
 */
public final class HostNames {

    private HostNames() {
    }

    /**
     * The normalised form of {@code host}, or {@code null} when it cannot be a host (empty, empty
     * labels, characters no host name or IP literal has, or an internationalised name IDNA rejects). Returns the same instance when nothing changes,
     * which is the common case on the request path.
     */
    public static String normalize(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        String h = host;
        if (h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']' && h.length() > 2) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.charAt(h.length() - 1) == '.') {
            h = h.substring(0, h.length() - 1);
            if (h.isEmpty() || h.charAt(h.length() - 1) == '.') {
                return null;
            }
        }
        boolean ascii = true;
        boolean upper = false;
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c >= 0x80) {
                ascii = false;
                break;
            }
            if (c >= 'A' && c <= 'Z') {
                upper = true;
            }
        }
        if (!ascii) {
            try {
                h = IDN.toASCII(h, IDN.ALLOW_UNASSIGNED);
            } catch (IllegalArgumentException e) {
                return null;
            }
            upper = true;
        }
        String normalised = upper ? toLowerAscii(h) : h;
        return isValid(normalised) ? normalised : null;
    }

    /** Letters, digits, '-', '_', ':' (IPv6) and dots between non-empty labels. */
    private static boolean isValid(String host) {
        char previous = '.';
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':'
                    || c == '.' && previous != '.';
            if (!ok) {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static String toLowerAscii(String s) {
        char[] chars = s.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            char c = chars[i];
            if (c >= 'A' && c <= 'Z') {
                chars[i] = (char) (c + ('a' - 'A'));
            }
        }
        return new String(chars);
    }
}
