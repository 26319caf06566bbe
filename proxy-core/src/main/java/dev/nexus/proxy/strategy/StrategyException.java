package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;

/**
 * A strategy could not be built or applied. The message names the strategy type and the offending
 * config key or credential field, and never carries a credential value: it may reach the agent in a
 * 502 body and the proxy's log. No stack trace is captured; the message says everything.
 *
 * <p>{@link #kind()} tells the caller which status to answer: {@link Kind#UNSUPPORTED_REQUEST} means
 * the agent's request cannot be signed as sent (501), {@link Kind#MALFORMED_REQUEST} that it is malformed
 * (400); every other kind is a configuration or credential problem on the Authority's side (502).
 */
public class StrategyException extends RuntimeException {

    /** What went wrong, grouped by what the caller should do about it. */
    public enum Kind {
        /** Unknown strategy type, or a config key missing or invalid. */
        INVALID_CONFIG,
        /** A credential field the strategy needs is missing or empty. */
        MISSING_CREDENTIAL,
        /** A credential field is present but unusable (e.g. characters not allowed in a header). */
        INVALID_CREDENTIAL,
        /** The agent's request uses a feature the strategy cannot sign (e.g. SigV4a streaming). */
        UNSUPPORTED_REQUEST,
        /** The agent's request is malformed for the strategy (bad aws-chunked framing, a bad presigned URL): 400. */
        MALFORMED_REQUEST
    }

    private final Kind kind;
    private final StrategyType type;
    private final String field;

    /**
     * @param kind    what went wrong
     * @param type    the strategy type, or {@code null} when the type itself is unknown
     * @param field   the config key or credential field at fault, or {@code null}
     * @param message a safe, human-readable explanation (never a credential value)
     */
    public StrategyException(Kind kind, StrategyType type, String field, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.type = type;
        this.field = field;
    }

    static StrategyException missingCredential(StrategyType type, String field) {
        return new StrategyException(Kind.MISSING_CREDENTIAL, type, field,
                "strategy " + type.wireName() + ": credential field \"" + field + "\" is missing or empty");
    }

    static StrategyException invalidConfig(StrategyType type, String key, String problem) {
        return new StrategyException(Kind.INVALID_CONFIG, type, key,
                "strategy " + type.wireName() + ": config \"" + key + "\" " + problem);
    }

    public Kind kind() {
        return kind;
    }

    /** The strategy type, or {@code null} when the spec named an unknown type. */
    public StrategyType type() {
        return type;
    }

    /** The config key or credential field at fault, or {@code null}. */
    public String field() {
        return field;
    }
}
