package dev.nexus.policy.model;

import java.util.Locale;
import java.util.Optional;

/**
 * How much of an {@code inject} route's responses the proxy scans for the injected credential
 * ({@code redact_responses} in a policy file), so an origin that echoes a request never hands the
 * secret back to the agent.
 */
public enum RedactResponses {
    /** Headers, trailers, bodies (gzip and deflate decoded and re-encoded), WebSocket frames: the default. */
    FULL,
    /** Response headers and trailers only; bodies pass unscanned. */
    HEADERS,
    /** Nothing is scanned: for routes whose operators accept the risk. */
    OFF;

    /** The spelling used in policy files. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode spelled {@code wireName}, if any. */
    public static Optional<RedactResponses> fromWireName(String wireName) {
        for (RedactResponses mode : values()) {
            if (mode.wireName().equals(wireName)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
