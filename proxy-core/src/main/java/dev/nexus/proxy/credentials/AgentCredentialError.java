package dev.nexus.proxy.credentials;

/**
 * What the agent is told when a request could not get credentials: the HTTP status and the stable
 * {@code error} code of the JSON error body (issue #5's agent-facing errors). The proxy adds the route and
 * connection to the body. Terminal states fail closed with 403 so the agent stops (409 when a human must
 * re-consent); an unreachable or rate-limiting Authority without a usable lease is 503 so the agent may retry
 * (with {@code Retry-After} when the Authority said when); configuration problems on the proxy's side are 502.
 *
 * @param status HTTP status for the agent
 * @param error  the body's {@code error} field, e.g. {@code connection_revoked}
 * @param detail a human-readable sentence without secrets (the exception message; for attention required it
 *               carries the Authority's re-consent hint)
 */
public record AgentCredentialError(int status, String error, String detail) {

    public static AgentCredentialError of(CredentialException failure) {
        return switch (failure.kind()) {
            case REVOKED -> new AgentCredentialError(403, "connection_revoked", failure.getMessage());
            case NOT_FOUND -> new AgentCredentialError(403, "connection_not_found", failure.getMessage());
            case ATTENTION_REQUIRED -> new AgentCredentialError(409, "attention_required", failure.getMessage());
            case REFUSED -> new AgentCredentialError(403, "connection_refused", failure.getMessage());
            case RATE_LIMITED -> new AgentCredentialError(503, "authority_rate_limited", failure.getMessage());
            case UNAVAILABLE -> new AgentCredentialError(503, "authority_unavailable", failure.getMessage());
            case INVALID_CONNECTION -> new AgentCredentialError(502, "invalid_connection", failure.getMessage());
            case AUTHORITY_UNAUTHORIZED -> new AgentCredentialError(502, "authority_rejected_proxy", failure.getMessage());
        };
    }
}
