package dev.nexus.proxy.credentials;

import dev.nexus.proxy.exchange.ErrorCode;

/**
 * What the agent is told when a request could not get credentials: one of the proxy's {@link ErrorCode}s
 * (issue #5's agent-facing errors). The proxy adds the route and connection to the body. Terminal states fail
 * closed with 403 so the agent stops (409 when a human must re-consent); an unreachable or rate-limiting
 * Authority without a usable lease is 503 so the agent may retry (with {@code Retry-After} when the Authority
 * said when); configuration problems on the proxy's side are 502.
 *
 * @param code   the status and the body's {@code error} field, e.g. {@code connection_revoked}
 * @param detail a human-readable sentence without secrets (the exception message; for attention required it
 *               carries the Authority's re-consent hint)
 */
public record AgentCredentialError(ErrorCode code, String detail) {

    public static AgentCredentialError of(CredentialException failure) {
        ErrorCode code = switch (failure.kind()) {
            case REVOKED -> ErrorCode.CONNECTION_REVOKED;
            case NOT_FOUND -> ErrorCode.CONNECTION_NOT_FOUND;
            case ATTENTION_REQUIRED -> ErrorCode.ATTENTION_REQUIRED;
            case REFUSED -> ErrorCode.CONNECTION_REFUSED;
            case RATE_LIMITED -> ErrorCode.AUTHORITY_RATE_LIMITED;
            case UNAVAILABLE -> ErrorCode.AUTHORITY_UNAVAILABLE;
            case INVALID_CONNECTION -> ErrorCode.INVALID_CONNECTION;
            case AUTHORITY_UNAUTHORIZED -> ErrorCode.AUTHORITY_REJECTED_PROXY;
        };
        return new AgentCredentialError(code, failure.getMessage());
    }

    /** The HTTP status for the agent. */
    public int status() {
        return code.status().code();
    }

    /** The JSON body's {@code error} field. */
    public String error() {
        return code.code();
    }
}
