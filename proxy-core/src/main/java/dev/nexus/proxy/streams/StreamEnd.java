package dev.nexus.proxy.streams;

/** Why the proxy ended a stream before either side did. */
public enum StreamEnd {
    /** The credential the stream carries was revoked (Authority answer, admin invalidate, another replica). */
    REVOKED("revoked", "credential revoked"),
    /** The route's {@code max_stream_lifetime} passed. */
    MAX_STREAM_LIFETIME("max_stream_lifetime", "stream lifetime exceeded"),
    /** The lease the stream started with expired and the route says {@code on_credential_expiry: close}. */
    CREDENTIAL_EXPIRED("credential_expired", "credential expired"),
    /** The route's {@code max_tunnel_lifetime} passed. */
    MAX_TUNNEL_LIFETIME("max_tunnel_lifetime", "tunnel lifetime exceeded");

    private final String code;
    private final String description;

    StreamEnd(String code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The audit record's {@code reason}. */
    public String code() {
        return code;
    }

    /** Short words for the agent, e.g. a WebSocket close frame's reason; never more than 123 bytes. */
    public String description() {
        return description;
    }
}
