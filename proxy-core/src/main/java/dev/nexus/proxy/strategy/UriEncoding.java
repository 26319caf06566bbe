package dev.nexus.proxy.strategy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * RFC 3986 percent-encoding as AWS SigV4 and query injection need it: every byte of the UTF-8 form
 * is encoded except the unreserved set {@code A-Z a-z 0-9 - . _ ~}, with upper-case hex digits.
 * Decoding undoes percent-escapes only; {@code +} stays a literal plus (it means space only in HTML
 * forms, not in URIs), and a malformed escape is kept as literal text.
 */
final class UriEncoding {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UriEncoding() {
    }

    static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** Percent-encodes {@code value} into {@code out}. */
    static void encode(CharSequence value, StringBuilder out) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (isUnreserved(c)) {
                out.append(c);
            } else if (c < 0x80) {
                appendEscaped(c, out);
            } else {
                // Rare: fall back to the general UTF-8 path for the rest of the value.
                byte[] bytes = value.subSequence(i, length).toString().getBytes(StandardCharsets.UTF_8);
                for (byte b : bytes) {
                    int unsigned = b & 0xFF;
                    if (isUnreserved(unsigned)) {
                        out.append((char) unsigned);
                    } else {
                        appendEscaped(unsigned, out);
                    }
                }
                return;
            }
        }
    }

    static String encode(CharSequence value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        encode(value, out);
        return out.toString();
    }

    /** Decodes percent-escapes (as UTF-8); returns {@code value} itself when it has none. */
    static String decode(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < length && hexValue(value.charAt(i + 1)) >= 0 && hexValue(value.charAt(i + 2)) >= 0) {
                bytes.write(hexValue(value.charAt(i + 1)) << 4 | hexValue(value.charAt(i + 2)));
                i += 2;
            } else {
                byte[] literal = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < length) {
                    literal = value.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.write(literal, 0, literal.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void appendEscaped(int b, StringBuilder out) {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
