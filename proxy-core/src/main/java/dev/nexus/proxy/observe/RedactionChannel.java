package dev.nexus.proxy.observe;

import java.util.Locale;

/** Where in a response an injected secret was found and overwritten: the {@code channel} label. */
public enum RedactionChannel {
    /** A response header (final, informational or 101). */
    HEADER,
    /** The response body. */
    BODY,
    /** A trailer after a chunked body. */
    TRAILER,
    /** Bytes from the origin after a WebSocket upgrade. */
    WEBSOCKET,
    /** A {@code text/event-stream} body. */
    SSE,
    /** The proxy's own error answer. */
    ERROR;

    final String label = name().toLowerCase(Locale.ROOT);
}
