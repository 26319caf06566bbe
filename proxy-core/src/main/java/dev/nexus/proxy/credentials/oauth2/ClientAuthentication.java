package dev.nexus.proxy.credentials.oauth2;

/** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
public enum ClientAuthentication {
    /** HTTP Basic with the form-encoded client id and secret (the method every server must support). */
    CLIENT_SECRET_BASIC,
    /** {@code client_id} and {@code client_secret} in the form body. */
    CLIENT_SECRET_POST
}
