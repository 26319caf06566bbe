package dev.nexus.proxy.strategy;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Builds the SigV4 canonical request exactly as AWS specifies it ("Create a canonical request" in the
 * AWS Signature Version 4 documentation):
 * <ul>
 *   <li>URI: each path segment of the wire path is URI-encoded again (double encoding) after removing
 *       dot segments and empty segments; for S3 the path is neither normalised nor double-encoded,
 *       each segment is decoded once and re-encoded, which equals the wire path for any
 *       canonically-encoded key.</li>
 *   <li>Query: each name and value percent-decoded, re-encoded per RFC 3986, a missing value becomes
 *       empty, sorted by encoded name then encoded value.</li>
 *   <li>Headers: names lower-cased and sorted, values trimmed with inner runs of spaces collapsed,
 *       repeated headers joined with commas in the order sent.</li>
 * </ul>
 * Which headers are signed is the caller's choice, so the official test suite (which signs every
 * header it lists) and production signing (only headers the origin sees unchanged) share this code.
 */
final class SigV4Canonicalizer {

    /** Canonical header block ({@code name:value\n} lines) and the {@code ;}-joined signed header names. */
    record CanonicalHeaders(String block, String signedHeaders) {
    }

    private SigV4Canonicalizer() {
    }

    static String canonicalRequest(String method, String canonicalUri, String canonicalQuery,
                                   CanonicalHeaders headers, String payloadHash) {
        return method + '\n' + canonicalUri + '\n' + canonicalQuery + '\n' + headers.block() + '\n'
                + headers.signedHeaders() + '\n' + payloadHash;
    }

    /**
     * @param rawPath the path as sent on the wire (percent-encoded)
     * @param s3      S3 rules: no normalisation, single encoding
     */
    static String canonicalUri(String rawPath, boolean s3) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        return s3 ? reencodeSegments(rawPath) : normaliseAndEncode(rawPath);
    }

    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = rawQuery.indexOf('&', start);
            if (end < 0) {
                end = rawQuery.length();
            }
            if (end > start) {
                int equals = rawQuery.indexOf('=', start);
                boolean hasValue = equals >= 0 && equals < end;
                String name = rawQuery.substring(start, hasValue ? equals : end);
                String value = hasValue ? rawQuery.substring(equals + 1, end) : "";
                pairs.add(new String[] {UriEncoding.encode(UriEncoding.decode(name)), UriEncoding.encode(UriEncoding.decode(value))});
            }
            start = end + 1;
        }
        String[][] sorted = pairs.toArray(new String[0][]);
        Arrays.sort(sorted, (a, b) -> {
            int byName = a[0].compareTo(b[0]);
            return byName != 0 ? byName : a[1].compareTo(b[1]);
        });
        StringBuilder out = new StringBuilder(rawQuery.length() + 16);
        for (String[] pair : sorted) {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(pair[0]).append('=').append(pair[1]);
        }
        return out.toString();
    }

    /**
     * @param signed decides, by lower-case name, which headers are signed
     */
    static CanonicalHeaders canonicalHeaders(HttpHeaders headers, Predicate<String> signed) {
        Map<String, StringBuilder> byName = new TreeMap<>();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!signed.test(name)) {
                continue;
            }
            StringBuilder values = byName.get(name);
            if (values == null) {
                values = new StringBuilder(header.getValue().length());
                byName.put(name, values);
            } else {
                values.append(',');
            }
            appendTrimmed(header.getValue(), values);
        }
        StringBuilder block = new StringBuilder(256);
        StringBuilder signedHeaders = new StringBuilder(64);
        for (Map.Entry<String, StringBuilder> entry : byName.entrySet()) {
            block.append(entry.getKey()).append(':').append(entry.getValue()).append('\n');
            if (signedHeaders.length() > 0) {
                signedHeaders.append(';');
            }
            signedHeaders.append(entry.getKey());
        }
        return new CanonicalHeaders(block.toString(), signedHeaders.toString());
    }

    /** Appends {@code value} without leading or trailing blanks, each inner run of blanks as one space. */
    private static void appendTrimmed(String value, StringBuilder out) {
        boolean pendingSpace = false;
        boolean wroteAny = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t') {
                pendingSpace = wroteAny;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
                wroteAny = true;
            }
        }
    }

    /** RFC 3986 remove_dot_segments plus collapsing empty segments, then encoding each segment. */
    private static String normaliseAndEncode(String rawPath) {
        String[] parts = rawPath.split("/", -1);
        List<String> segments = new ArrayList<>(parts.length);
        for (String part : parts) {
            if (part.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.remove(segments.size() - 1);
                }
            } else if (!part.isEmpty() && !part.equals(".")) {
                segments.add(part);
            }
        }
        String last = parts[parts.length - 1];
        boolean trailingSlash = last.isEmpty() || last.equals(".") || last.equals("..");
        StringBuilder out = new StringBuilder(rawPath.length() + 16).append('/');
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0) {
                out.append('/');
            }
            UriEncoding.encode(segments.get(i), out);
        }
        if (trailingSlash && !segments.isEmpty()) {
            out.append('/');
        }
        return out.toString();
    }

    private static String reencodeSegments(String rawPath) {
        StringBuilder out = new StringBuilder(rawPath.length() + 16);
        int start = 0;
        while (start <= rawPath.length()) {
            int end = rawPath.indexOf('/', start);
            if (end < 0) {
                end = rawPath.length();
            }
            UriEncoding.encode(UriEncoding.decode(rawPath.substring(start, end)), out);
            if (end < rawPath.length()) {
                out.append('/');
            }
            start = end + 1;
        }
        return out.toString();
    }
}
