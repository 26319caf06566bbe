package dev.nexus.proxy.observe.audit;

import dev.nexus.proxy.credentials.CredentialException;

import java.util.Locale;
import java.util.concurrent.CompletionException;

/** What happened to a request that touched a credential or was refused; {@link #wireName()} is the JSON value. */
public enum AuditOutcome {
    /** Credentials were applied and the request forwarded. */
    INJECTED,
    /** The origin rejected the credentials; they were refreshed and the request replayed. */
    REFRESHED,
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
    CONNECTION_NOT_ALLOWED;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /** The outcome for a failure of the credential pipeline (a {@link CredentialException} or anything else). */
    public static AuditOutcome ofFailure(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (!(cause instanceof CredentialException credential)) {
            return CREDENTIAL_ERROR;
        }
        return switch (credential.kind()) {
            case REVOKED, NOT_FOUND, REFUSED -> REVOKED;
            case ATTENTION_REQUIRED -> ATTENTION_REQUIRED;
            case UNAVAILABLE, AUTHORITY_UNAUTHORIZED, RATE_LIMITED -> AUTHORITY_UNAVAILABLE;
            case INVALID_CONNECTION -> CREDENTIAL_ERROR;
        };
    }
}
