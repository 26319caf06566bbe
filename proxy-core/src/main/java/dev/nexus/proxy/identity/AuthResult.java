package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;

/**
 * The outcome of checking one {@code Proxy-Authorization} header. Carries no part of the header,
 * so it is safe to log.
 */
sealed interface AuthResult permits AuthResult.Authenticated, AuthResult.Challenge, AuthResult.Busy {

    /** The credentials belong to {@code identity}. */
    record Authenticated(AgentIdentity identity) implements AuthResult {
    }

    /**
     * Answer {@code 407 Proxy Authentication Required} with {@link ProxyAuthChallenge}; {@code reason} is
     * for logs and the audit trail only (the agent gets the same answer whatever it is, so a caller cannot
     * learn which agent names exist).
     */
    record Challenge(Reason reason) implements AuthResult {
    }

    /** Too many verifications queued; answer {@code 503} and let the agent retry. */
    record Busy() implements AuthResult {
    }

    /** Why credentials were not accepted. */
    enum Reason {
        /** No {@code Proxy-Authorization} header. */
        MISSING,
        /** Not {@code Basic} or {@code Bearer}. */
        UNSUPPORTED_SCHEME,
        /** Undecodable, or without the agent name / secret separator. */
        MALFORMED,
        /** The agent name is not in the agents file. */
        UNKNOWN_AGENT,
        /** The secret does not match the agent's hash. */
        WRONG_SECRET,
        /** The source address used up its budget of checks (too many at once, or too many failures); not checked. */
        RATE_LIMITED
    }
}
