package dev.nexus.proxy.upstream;

import dev.nexus.proxy.exchange.ErrorCode;

/**
 * Why no upstream connection could be had, with the status the agent receives. Messages name the
 * destination and the cause, never request content.
 */
public final class UpstreamFailure extends Exception {

    /** The failure classes the agent can tell apart by status and error code. */
    public enum Kind {
        DNS_FAILURE(ErrorCode.DNS_FAILURE),
        ADDRESS_NOT_PERMITTED(ErrorCode.DESTINATION_NOT_PERMITTED),
        CONNECT_FAILED(ErrorCode.UPSTREAM_CONNECT_FAILED),
        CONNECT_TIMEOUT(ErrorCode.UPSTREAM_CONNECT_TIMEOUT),
        TLS_FAILURE(ErrorCode.UPSTREAM_TLS_FAILED),
        POOL_EXHAUSTED(ErrorCode.UPSTREAM_CONNECTION_LIMIT);

        private final ErrorCode error;

        Kind(ErrorCode error) {
            this.error = error;
        }

        /** What the agent is answered. */
        public ErrorCode error() {
            return error;
        }
    }

    private final Kind kind;

    public UpstreamFailure(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    /** Whether {@code cause} is the address check refusing the destination (not a network failure). */
    public static boolean refusedDestination(Throwable cause) {
        return cause instanceof UpstreamFailure failure && failure.kind == Kind.ADDRESS_NOT_PERMITTED;
    }

    public Kind kind() {
        return kind;
    }
}
