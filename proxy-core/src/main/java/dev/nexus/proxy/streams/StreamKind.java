package dev.nexus.proxy.streams;

import java.util.Locale;

/** What an open stream is, as the admin API shows it ({@link #wireName()}). */
public enum StreamKind {
    /** An HTTP exchange on an inject route: a long poll, an event stream, any response still running. */
    HTTP,
    /** A WebSocket on an inject route, after its 101. */
    WEBSOCKET,
    /** A CONNECT tunnel relayed without interception: it carries no credential of the proxy's. */
    TUNNEL;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }
}
