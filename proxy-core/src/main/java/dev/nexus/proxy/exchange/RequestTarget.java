package dev.nexus.proxy.exchange;

/**
 * Where an agent's request goes, parsed from its request-target (RFC 9112 section 3.2):
 * absolute-form ({@code http://host:port/path?q}) for forward requests, authority-form
 * ({@code host:port}) for CONNECT. Parsing is strict: anything ambiguous is rejected rather than
 * guessed, because the policy decides on what this returns and the origin must see the same thing.
 *
 * @param scheme       {@code http} or {@code https}; {@code null} for authority-form
 * @param host         lower-case host name without a trailing dot ({@code allowed.test.} and {@code 127.0.0.1.}
 *                     are {@code allowed.test} and {@code 127.0.0.1}), or an IP literal without brackets
 * @param port         explicit port, or the scheme's default
 * @param pathAndQuery origin-form target ({@code /path?query}), never empty; {@code null} for authority-form
 */
public record RequestTarget(String scheme, String host, int port, String pathAndQuery) {

    /** Thrown for a target the proxy refuses; the message is safe to return to the agent. */
    public static final class InvalidTargetException extends Exception {
        public InvalidTargetException(String message) {
            super(message, null, false, false);
        }
    }

    /** The path without the query string, for policy matching and access logs. */
    public String path() {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    /** The value for the {@code Host} header: the authority, with the port only when it is not the default. */
    public String authority() {
        String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == defaultPort(scheme) ? hostPart : hostPart + ":" + port;
    }

    /** Parses an absolute-form target such as {@code http://example.com:8080/a?b}. */
    public static RequestTarget parseAbsolute(String uri) throws InvalidTargetException {
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd <= 0) {
            throw new InvalidTargetException("request target must be absolute (http://host/path) on a forward proxy");
        }
        String scheme = uri.substring(0, schemeEnd).toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidTargetException("unsupported scheme \"" + scheme + "\"");
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = uri.substring(authorityStart, authorityEnd);
        if (authority.indexOf('@') >= 0) {
            throw new InvalidTargetException("userinfo in the request target is not allowed");
        }
        String rest = uri.substring(authorityEnd);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        if (rest.isEmpty() || rest.charAt(0) == '?') {
            rest = "/" + rest;
        }
        HostAndPort hostAndPort = splitAuthority(authority, defaultPort(scheme));
        return new RequestTarget(scheme, hostAndPort.host, hostAndPort.port, rest);
    }

    /** Parses a {@code Host}-style authority; {@code defaultPort} applies when it names none. */
    public static RequestTarget parseAuthority(String authority, int defaultPort) throws InvalidTargetException {
        HostAndPort hostAndPort = splitAuthority(authority, defaultPort);
        return new RequestTarget(null, hostAndPort.host, hostAndPort.port, null);
    }

    /** Parses a CONNECT authority-form target such as {@code example.com:443} or {@code [::1]:8443}. */
    public static RequestTarget parseAuthorityForm(String uri) throws InvalidTargetException {
        HostAndPort hostAndPort = splitAuthority(uri, -1);
        if (hostAndPort.port < 0) {
            throw new InvalidTargetException("CONNECT target must be host:port");
        }
        return new RequestTarget(null, hostAndPort.host, hostAndPort.port, null);
    }

    static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }

    private record HostAndPort(String host, int port) {
    }

    private static HostAndPort splitAuthority(String authority, int defaultPort) throws InvalidTargetException {
        if (authority.isEmpty()) {
            throw new InvalidTargetException("request target has no host");
        }
        String host;
        String portText = null;
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new InvalidTargetException("unterminated IPv6 literal in request target");
            }
            host = authority.substring(1, close);
            if (close + 1 < authority.length()) {
                if (authority.charAt(close + 1) != ':') {
                    throw new InvalidTargetException("invalid authority \"" + authority + "\"");
                }
                portText = authority.substring(close + 2);
            }
            if (host.isEmpty() || !host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                throw new InvalidTargetException("invalid IPv6 literal \"" + host + "\"");
            }
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                portText = authority.substring(colon + 1);
            } else {
                host = authority;
            }
            if (host.isEmpty() || !host.chars().allMatch(RequestTarget::isHostChar)) {
                throw new InvalidTargetException("invalid host \"" + host + "\"");
            }
            host = withoutTrailingDot(host);
        }
        int port = portText == null ? defaultPort : parsePort(portText);
        return new HostAndPort(host.toLowerCase(java.util.Locale.ROOT), port);
    }

    /**
     * The one place a trailing dot is removed: policy matching, name resolution, the upstream {@code Host}
     * header and the intercepted tunnel's Host/SNI binding all see the name this returns. A fully qualified
     * {@code name.} means the same as {@code name}; an empty label ({@code name..}, {@code .}) is not a name.
     */
    private static String withoutTrailingDot(String host) throws InvalidTargetException {
        if (!host.endsWith(".")) {
            return host;
        }
        String name = host.substring(0, host.length() - 1);
        if (name.isEmpty() || name.endsWith(".")) {
            throw new InvalidTargetException("invalid host \"" + host + "\"");
        }
        return name;
    }

    private static int parsePort(String text) throws InvalidTargetException {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidTargetException("invalid port \"" + text + "\"");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new InvalidTargetException("port out of range: " + port);
        }
        return port;
    }

    /** Letters, digits, '-', '.', '_' (seen in real names), and IDN in ASCII form only. */
    private static boolean isHostChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_';
    }
}
