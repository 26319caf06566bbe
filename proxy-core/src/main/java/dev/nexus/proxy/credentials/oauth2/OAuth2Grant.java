package dev.nexus.proxy.credentials.oauth2;

/** The OAuth 2.0 grants a connection can use to get access tokens (RFC 6749). */
public enum OAuth2Grant {
    /** §4.4: the client's own id and secret buy a token; nothing else to keep. */
    CLIENT_CREDENTIALS("client_credentials"),
    /** §6: a refresh token (kept in a file, rotated in place when the server issues a new one) buys a token. */
    REFRESH_TOKEN("refresh_token");

    private final String wireName;

    OAuth2Grant(String wireName) {
        this.wireName = wireName;
    }

    /** The {@code grant_type} value. */
    public String wireName() {
        return wireName;
    }
}
