package dev.nexus.proxy.credentials;

/**
 * Why credentials for a connection could not be had. The message names the connection and the
 * Authority's error code, never a credential value.
 */
public final class CredentialException extends RuntimeException {

    /** The Authority's answer, grouped by what the proxy must do about it. */
    public enum Kind {
        /** 400 invalid_connection_id: the route names a bad id (configuration error). */
        INVALID_CONNECTION(false),
        /** 401: the proxy's own credentials to the Authority are wrong. */
        AUTHORITY_UNAUTHORIZED(false),
        /** 403 connection_not_active: revoked or not active; fail closed. */
        REVOKED(true),
        /** 404 connection_not_found / token_not_found: fail closed. */
        NOT_FOUND(true),
        /** 409 attention_required: a human must re-consent. */
        ATTENTION_REQUIRED(true),
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

    public CredentialException(Kind kind, String connectionId, String detail) {
        this(kind, connectionId, detail, null);
    }

    public CredentialException(Kind kind, String connectionId, String detail, Throwable cause) {
        super(kind + " for connection " + connectionId + (detail == null ? "" : ": " + detail), cause, false, false);
        this.kind = kind;
        this.connectionId = connectionId;
    }

    public Kind kind() {
        return kind;
    }

    public String connectionId() {
        return connectionId;
    }
}
