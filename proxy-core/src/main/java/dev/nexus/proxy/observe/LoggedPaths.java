package dev.nexus.proxy.observe;

/**
 * How request paths appear in access logs and audit records: without the query or fragment, which may
 * carry credentials (query_param strategies) or personal data.
 */
public final class LoggedPaths {

    private LoggedPaths() {
    }

    /** The path up to (excluding) the first {@code ?} or {@code #}; {@code null} stays {@code null}. */
    public static String withoutQuery(String path) {
        if (path == null) {
            return null;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '?' || c == '#') {
                return path.substring(0, i);
            }
        }
        return path;
    }
}
