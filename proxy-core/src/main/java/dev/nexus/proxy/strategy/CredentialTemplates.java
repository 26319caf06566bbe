package dev.nexus.proxy.strategy;

import dev.nexus.proxy.credentials.Lease;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Protocol 0.4's {@code {field}} templating: every {@code {name}} placeholder (letters, digits, {@code _})
 * in the request path becomes the path-escaped credential field of that name, every one in the query the
 * query-escaped value. The agent may send the braces literally or percent-encoded ({@code %7Bname%7D}, as
 * most HTTP clients encode them). A placeholder whose field is missing or empty stays exactly as sent.
 *
 * <p>Escaping follows the reference bridge (Go's {@code url.PathEscape} and {@code url.QueryEscape}): in a
 * path, unreserved characters and {@code $ & + = : @} stay, {@code /} and everything else is escaped, so a
 * value never adds a path segment; in a query only unreserved characters stay and a space becomes {@code +}.
 * The rendered uri holds secrets: it is only ever written to the origin, never logged.
 */
final class CredentialTemplates {

    private static final Pattern PLACEHOLDER = Pattern.compile("(?:\\{|%7[Bb])([A-Za-z0-9_]+)(?:\\}|%7[Dd])");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private CredentialTemplates() {
    }

    /** Renders the placeholders of the request's path and query from the lease, in place. */
    static void render(OutboundRequest request, Lease lease) {
        String path = request.rawPath();
        String renderedPath = render(path, lease, false);
        if (renderedPath != path) {
            request.setRawPath(renderedPath);
        }
        String query = request.rawQuery();
        String renderedQuery = query == null ? null : render(query, lease, true);
        if (renderedQuery != query) {
            request.setRawQuery(renderedQuery);
        }
    }

    /** {@code raw} with its placeholders replaced, or {@code raw} itself when none could be. */
    static String render(String raw, Lease lease, boolean query) {
        if (raw.indexOf('{') < 0 && raw.indexOf('%') < 0) {
            return raw;
        }
        Matcher matcher = PLACEHOLDER.matcher(raw);
        StringBuilder out = null;
        int copied = 0;
        while (matcher.find()) {
            String value = lease.credential(matcher.group(1));
            if (value == null) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(raw.length() + value.length());
            }
            out.append(raw, copied, matcher.start());
            escape(value, query, out);
            copied = matcher.end();
        }
        return out == null ? raw : out.append(raw, copied, raw.length()).toString();
    }

    private static void escape(String value, boolean query, StringBuilder out) {
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (UriEncoding.isUnreserved(c) || !query && "$&+=:@".indexOf(c) >= 0) {
                out.append((char) c);
            } else if (query && c == ' ') {
                out.append('+');
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
    }
}
