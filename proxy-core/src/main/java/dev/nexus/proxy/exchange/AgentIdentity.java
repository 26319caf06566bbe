package dev.nexus.proxy.exchange;

import java.util.Locale;
import java.util.Objects;

/**
 * Who is calling through the proxy, and how the proxy came to believe it. The name is what policy
 * ({@code match.agents}), metrics and the audit trail see: an agents-file name, a SPIFFE ID, a
 * certificate CN, a configured source name, or {@code anonymous}. It is never a secret, so
 * {@link #toString()} is safe to log.
 */
public record AgentIdentity(String name, Method method) {

    /** The single identity used when {@code anonymous} is configured and nothing else matched. */
    public static final AgentIdentity ANONYMOUS = new AgentIdentity("anonymous", Method.ANONYMOUS);

    /** How an identity was established; {@link #wireName()} is the configuration and audit spelling. */
    public enum Method {
        PROXY_AUTH, MTLS, SOURCE, ANONYMOUS;

        private final String wireName = name().toLowerCase(Locale.ROOT);

        public String wireName() {
            return wireName;
        }

        /** Parses {@code proxy_auth}, {@code mtls}, {@code source} or {@code anonymous}. */
        public static Method parse(String text) {
            for (Method method : values()) {
                if (method.wireName.equals(text)) {
                    return method;
                }
            }
            throw new IllegalArgumentException("unknown identity method \"" + text
                    + "\" (expected proxy_auth, mtls, source or anonymous)");
        }
    }

    public AgentIdentity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(method, "method");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("agent identity name must not be empty");
        }
    }

    @Override
    public String toString() {
        return "agent " + name + " (" + method.wireName() + ")";
    }
}
