package dev.nexus.proxy.observe.audit;

import java.util.Locale;

/** What happened to a request that touched a credential or was refused; {@link #wireName()} is the JSON value. */
public enum AuditOutcome {
    /** Credentials were applied and the request forwarded. */
    INJECTED,
    /** The origin rejected the credentials; they were refreshed and the request replayed. */
    REFRESHED,
    /** The origin's response carried the injected secret; it was overwritten before the agent saw it. */
    REDACTED,
    /** Policy denied the request. */
    DENIED,
    /** The Authority says the connection is revoked, not active or gone; the proxy failed closed. */
    REVOKED,
    /** The Authority needs a human to re-consent the connection. */
    ATTENTION_REQUIRED,
    /** The Authority could not be reached (or refused the proxy's own key) and no usable lease was cached. */
    AUTHORITY_UNAVAILABLE,
    /** Credentials existed but could not be applied (bad connection id, strategy failure). */
    CREDENTIAL_ERROR,
    /** The agent did not prove who it is: 407. */
    PROXY_AUTH_REQUIRED,
    /** No identity method named the agent: 403. */
    UNIDENTIFIED,
    /** The agent named a connection the route does not let it choose: 403. */
    CONNECTION_NOT_ALLOWED,
    /** An open exchange (WebSocket, event stream, long poll) was ended because its credential was revoked. */
    REVOKED_DURING_STREAM,
    /**
     * An open exchange was ended by its route: {@code max_stream_lifetime} passed, or the lease it started with
     * expired under {@code on_credential_expiry: close} ({@code reason} says which).
     */
    STREAM_ENDED;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }
}
