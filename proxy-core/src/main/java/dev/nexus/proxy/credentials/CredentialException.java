package dev.nexus.proxy.credentials;

import java.time.Instant;

/**
 * Why credentials for a connection could not be had. The message names the connection and the
 * Authority's error code, never a credential value.
 */
public final class CredentialException extends RuntimeException {

    /** The Authority's answer, grouped by what the proxy must do about it. */
    public enum Kind {
        /** 400 invalid_connection_id, 409 provider_ambiguous: the route names a bad id (configuration error). */
        INVALID_CONNECTION(false),
        /** 401: the proxy's own credentials to the Authority are wrong. */
        AUTHORITY_UNAUTHORIZED(false),
        /** 410 connection_revoked, 400 or 403 connection_not_active: revoked or not active; fail closed. */
        REVOKED(true),
        /** 404 connection_not_found / token_not_found: fail closed. */
        NOT_FOUND(true),
        /** Error code attention_required (usually 409): a human must re-consent. */
        ATTENTION_REQUIRED(true),
        /** Any other 4xx, an empty body included: the Authority refuses, asking again would not help. */
        REFUSED(true),
        /** 429: the Authority's rate limit; no call before {@link #retryAt()}, cached leases are still served. */
        RATE_LIMITED(false),
        /** 5xx, timeout, connection refused: transient; back off, serve cached leases until they expire. */
        UNAVAILABLE(false);

        private final boolean terminal;

        Kind(boolean terminal) {
            this.terminal = terminal;
        }

        /** Terminal states drop the lease everywhere and stop retrying. */
        public boolean terminal() {
            return terminal;
        }
    }

    private final Kind kind;
    private final String connectionId;
    private final Instant retryAt;
    private final String consentUrl;

    public CredentialException(Kind kind, String connectionId, String detail) {
        this(kind, connectionId, detail, null);
    }

    public CredentialException(Kind kind, String connectionId, String detail, Throwable cause) {
        this(kind + " for connection " + connectionId + (detail == null ? "" : ": " + detail), kind, connectionId,
                null, null, cause);
    }

    private CredentialException(String message, Kind kind, String connectionId, Instant retryAt, String consentUrl,
                                Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.connectionId = connectionId;
        this.retryAt = retryAt;
        this.consentUrl = consentUrl;
    }

    /** A {@link Kind#RATE_LIMITED} failure: the Authority takes no call before {@code retryAt}. */
    public static CredentialException rateLimited(String connectionId, Instant retryAt, String detail) {
        return new CredentialException(Kind.RATE_LIMITED + " for connection " + connectionId + ": " + detail
                + " (no call before " + retryAt + ")", Kind.RATE_LIMITED, connectionId, retryAt, null, null);
    }

    /** The same failure carrying the link where a human re-consents (attention required). */
    public CredentialException withConsentUrl(String url) {
        return new CredentialException(getMessage(), kind, connectionId, retryAt, url, getCause());
    }

    /** When a rate-limited call may be made again, or {@code null}. */
    public Instant retryAt() {
        return retryAt;
    }

    /** Where a human re-consents to this connection, when known; or {@code null}. */
    public String consentUrl() {
        return consentUrl;
    }

    public Kind kind() {
        return kind;
    }

    public String connectionId() {
        return connectionId;
    }
}
