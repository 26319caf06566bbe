package dev.nexus.proxy.relay;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/**
 * Removes the headers that describe one connection rather than the message (RFC 9110 section 7.6.1),
 * in both directions. Transfer-Encoding stays: the codecs re-frame the body from it. A WebSocket
 * upgrade keeps {@code Upgrade} and {@code Connection: upgrade} so the origin can switch protocols.
 */
final class HopByHopHeaders {

    private static final List<CharSequence> ALWAYS = List.of(
            HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER);

    private HopByHopHeaders() {
    }

    /** Whether the message asks to switch to WebSocket (the only upgrade the proxy relays). */
    public static boolean isWebSocketUpgrade(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Strips hop-by-hop headers. {@code webSocket} says the message is a WebSocket upgrade (as
     * {@link #isWebSocketUpgrade} found, which callers know already): its upgrade is kept intact.
     */
    public static void strip(HttpHeaders headers, boolean webSocket) {
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !(webSocket && HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(name))
                        && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
                    headers.remove(name);
                }
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        for (CharSequence name : ALWAYS) {
            headers.remove(name);
        }
        if (webSocket) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** Appends this proxy to the {@code Via} chain (RFC 9110 section 7.6.3). */
    public static void addVia(HttpHeaders headers, String protocolVersion, String proxyName) {
        String entry = protocolVersion + " " + proxyName;
        String existing = headers.get(HttpHeaderNames.VIA);
        headers.set(HttpHeaderNames.VIA, existing == null ? entry : existing + ", " + entry);
    }
}
