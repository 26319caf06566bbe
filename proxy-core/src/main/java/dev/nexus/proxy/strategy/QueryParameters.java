package dev.nexus.proxy.strategy;

import java.util.function.Predicate;

/**
 * Edits a raw query string without re-encoding it: parameters are removed or appended as whole
 * segments, so every other byte (including {@code +}, {@code %20}, empty segments, separators and
 * parameter order) reaches the origin exactly as the agent sent it. Removal splits on {@code ;} as well
 * as {@code &}, because some origins accept either separator: {@code a=1;key=x} carries a {@code key}.
 */
final class QueryParameters {

    private QueryParameters() {
    }

    /**
     * Removes every parameter whose percent-decoded name matches. A segment without {@code =} is a
     * parameter with that name and no value.
     *
     * @return the query without those parameters; {@code rawQuery} itself when nothing matched;
     *         {@code null} when the query was {@code null} or nothing is left after removal
     */
    static String remove(String rawQuery, Predicate<String> decodedNameMatches) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return rawQuery;
        }
        StringBuilder kept = null;
        boolean keptAny = false;
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = nextSeparator(rawQuery, start);
            if (matches(rawQuery, start, end, decodedNameMatches)) {
                if (kept == null) {
                    kept = new StringBuilder(rawQuery.length()).append(rawQuery, 0, Math.max(0, start - 1));
                    keptAny = start > 0;
                }
            } else if (kept != null) {
                if (keptAny) {
                    kept.append(rawQuery.charAt(start - 1));
                }
                kept.append(rawQuery, start, end);
                keptAny = true;
            }
            start = end + 1;
        }
        if (kept == null) {
            return rawQuery;
        }
        return keptAny ? kept.toString() : null;
    }

    /**
     * The percent-decoded value of the first parameter whose percent-decoded name equals {@code name}
     * ignoring case; {@code ""} for a parameter without a value; {@code null} when there is none.
     */
    static String first(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = rawQuery.indexOf('&', start);
            if (end < 0) {
                end = rawQuery.length();
            }
            int equals = rawQuery.indexOf('=', start);
            int nameEnd = equals >= 0 && equals < end ? equals : end;
            if (UriEncoding.decode(rawQuery.substring(start, nameEnd)).equalsIgnoreCase(name)) {
                return nameEnd == end ? "" : UriEncoding.decode(rawQuery.substring(nameEnd + 1, end));
            }
            start = end + 1;
        }
        return null;
    }

    /** Appends {@code name=value}, both percent-encoded (RFC 3986 unreserved kept), to the query. */
    static String append(String rawQuery, String name, String value) {
        StringBuilder query = new StringBuilder((rawQuery == null ? 0 : rawQuery.length()) + name.length() + value.length() + 8);
        if (rawQuery != null && !rawQuery.isEmpty()) {
            query.append(rawQuery).append('&');
        }
        UriEncoding.encode(name, query);
        query.append('=');
        UriEncoding.encode(value, query);
        return query.toString();
    }

    private static int nextSeparator(String rawQuery, int from) {
        for (int i = from; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            if (c == '&' || c == ';') {
                return i;
            }
        }
        return rawQuery.length();
    }

    private static boolean matches(String rawQuery, int start, int end, Predicate<String> decodedNameMatches) {
        int equals = rawQuery.indexOf('=', start);
        int nameEnd = equals >= 0 && equals < end ? equals : end;
        return decodedNameMatches.test(UriEncoding.decode(rawQuery.substring(start, nameEnd)));
    }
}
