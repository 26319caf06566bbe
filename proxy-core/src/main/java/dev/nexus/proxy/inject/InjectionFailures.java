package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.credentials.AgentCredentialError;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.strategy.StrategyException;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * What the agent is told when credentials cannot be applied: a status, a stable error code and the
 * fields that let it act (route, connection, strategy type, field name). Never a credential value.
 */
public final class InjectionFailures {

    /**
     * The agent-facing answer.
     *
     * @param fields  extra JSON fields of the error body (route, connection, consent_url, ...)
     * @param headers response headers to add, e.g. {@code Retry-After} while the Authority rate-limits
     */
    public record AgentError(HttpResponseStatus status, String error, String detail, Map<String, String> fields,
                             Map<String, String> headers) {

        public AgentError(HttpResponseStatus status, String error, String detail, Map<String, String> fields) {
            this(status, error, detail, fields, Map.of());
        }

        AgentError(ErrorCode code, String detail, Map<String, String> fields) {
            this(code.status(), code.code(), detail, fields);
        }
    }

    private InjectionFailures() {
    }

    /**
     * The origin refused the injected credentials and a forced refresh did not produce new ones (rate
     * limit, Authority unreachable): the agent sees the refusal, not a loop.
     */
    public static AgentError refusedAfterRefreshFailed(Throwable failure, Decision.Inject decision) {
        AgentError underlying = describe(failure, decision);
        if (unwrap(failure) instanceof CredentialException credential && credential.kind().terminal()) {
            return underlying;
        }
        return new AgentError(ErrorCode.UPSTREAM_UNAUTHORIZED.status(), ErrorCode.UPSTREAM_UNAUTHORIZED.code(),
                "the origin refused the injected credentials and they could not be refreshed: " + underlying.detail(),
                underlying.fields(), underlying.headers());
    }

    /** Whole seconds until {@code instant}, rounded up, at least 1 (what {@code Retry-After} carries). */
    private static long secondsUntil(Instant instant) {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    /** The audit outcome for a failure of the credential pipeline. */
    public static AuditOutcome auditOutcome(Throwable failure) {
        if (!(unwrap(failure) instanceof CredentialException credential)) {
            return AuditOutcome.CREDENTIAL_ERROR;
        }
        return switch (credential.kind()) {
            case REVOKED, NOT_FOUND, REFUSED -> AuditOutcome.REVOKED;
            case ATTENTION_REQUIRED -> AuditOutcome.ATTENTION_REQUIRED;
            case UNAVAILABLE, AUTHORITY_UNAUTHORIZED, RATE_LIMITED -> AuditOutcome.AUTHORITY_UNAVAILABLE;
            case INVALID_CONNECTION -> AuditOutcome.CREDENTIAL_ERROR;
        };
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    public static AgentError describe(Throwable failure, Decision.Inject decision) {
        Throwable cause = unwrap(failure);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("route", decision.routeName());
        fields.put("connection", decision.connectionId());
        if (cause instanceof CredentialException credential) {
            AgentCredentialError answer = AgentCredentialError.of(credential);
            if (credential.consentUrl() != null) {
                fields.put("consent_url", credential.consentUrl());
            }
            Map<String, String> headers = credential.retryAt() == null ? Map.of()
                    : Map.of("Retry-After", Long.toString(secondsUntil(credential.retryAt())));
            return new AgentError(HttpResponseStatus.valueOf(answer.status()), answer.error(), answer.detail(), fields,
                    headers);
        }
        if (cause instanceof StrategyException strategy) {
            if (strategy.type() != null) {
                fields.put("strategy", strategy.type().wireName());
            }
            if (strategy.field() != null) {
                fields.put("field", strategy.field());
            }
            if (strategy.kind() == StrategyException.Kind.MALFORMED_REQUEST) {
                return new AgentError(ErrorCode.MALFORMED_REQUEST, strategy.getMessage(), fields);
            }
            if (strategy.kind() == StrategyException.Kind.UNSUPPORTED_REQUEST) {
                return new AgentError(ErrorCode.UNSUPPORTED_REQUEST, strategy.getMessage(), fields);
            }
            return new AgentError(ErrorCode.CREDENTIAL_STRATEGY_FAILED, strategy.getMessage(), fields);
        }
        return new AgentError(ErrorCode.CREDENTIAL_FAILURE,
                "credentials could not be applied (" + cause.getClass().getSimpleName() + ")", fields);
    }
}
