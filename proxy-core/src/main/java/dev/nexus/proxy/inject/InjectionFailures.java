package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.strategy.StrategyException;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * What the agent is told when credentials cannot be applied: a status, a stable error code and the
 * fields that let it act (route, connection, strategy type, field name). Never a credential value.
 */
public final class InjectionFailures {

    /** The agent-facing answer. */
    public record AgentError(HttpResponseStatus status, String error, String detail, Map<String, String> fields) {
    }

    private InjectionFailures() {
    }

    public static AgentError describe(Throwable failure, Decision.Inject decision) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("route", decision.routeName());
        fields.put("connection", decision.connectionId());
        if (cause instanceof CredentialException credential) {
            return switch (credential.kind()) {
                case REVOKED -> new AgentError(HttpResponseStatus.FORBIDDEN, "connection_revoked",
                        "the connection is revoked or not active", fields);
                case NOT_FOUND -> new AgentError(HttpResponseStatus.FORBIDDEN, "connection_not_found",
                        "the Authority does not know this connection", fields);
                case ATTENTION_REQUIRED -> new AgentError(HttpResponseStatus.FORBIDDEN, "attention_required",
                        "a person must re-consent to this connection: " + credential.getMessage(), fields);
                case INVALID_CONNECTION -> new AgentError(HttpResponseStatus.BAD_GATEWAY, "invalid_connection",
                        "the route names a connection id the Authority rejects", fields);
                case AUTHORITY_UNAUTHORIZED -> new AgentError(HttpResponseStatus.BAD_GATEWAY, "authority_unauthorized",
                        "the proxy's credentials for the Authority were refused", fields);
                case UNAVAILABLE -> new AgentError(HttpResponseStatus.SERVICE_UNAVAILABLE, "authority_unavailable",
                        "no valid credentials are cached and the Authority cannot be reached", fields);
            };
        }
        if (cause instanceof StrategyException strategy) {
            if (strategy.type() != null) {
                fields.put("strategy", strategy.type().wireName());
            }
            if (strategy.field() != null) {
                fields.put("field", strategy.field());
            }
            if (strategy.kind() == StrategyException.Kind.UNSUPPORTED_REQUEST) {
                return new AgentError(HttpResponseStatus.NOT_IMPLEMENTED, "unsupported_request", strategy.getMessage(),
                        fields);
            }
            return new AgentError(HttpResponseStatus.BAD_GATEWAY, "credential_strategy_failed", strategy.getMessage(),
                    fields);
        }
        return new AgentError(HttpResponseStatus.BAD_GATEWAY, "credential_failure",
                "credentials could not be applied (" + cause.getClass().getSimpleName() + ")", fields);
    }
}
