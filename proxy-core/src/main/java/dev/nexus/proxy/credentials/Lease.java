package dev.nexus.proxy.credentials;

import dev.nexus.policy.model.StrategySpec;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Short-lived usage credentials for one connection, as the Authority handed them out, plus the
 * strategy that applies them. Immutable. {@link #toString()} never prints credential values:
 * a lease may end up in an exception message or a debug log by accident, its secrets must not.
 *
 * @param connectionId the Nexus connection id
 * @param strategy     how to apply the credentials
 * @param credentials  credential fields (e.g. {@code api_key}, {@code access_token}); secret values
 * @param expiresAt    when the credentials stop working, or {@code null} for "until the Authority says otherwise"
 * @param fetchedAt    when this proxy (or a replica) received them from the Authority
 */
public record Lease(String connectionId, StrategySpec strategy, Map<String, String> credentials,
                    Instant expiresAt, Instant fetchedAt) {

    public Lease {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(fetchedAt, "fetchedAt");
        credentials = Map.copyOf(credentials);
    }

    /** The credential field's value, or {@code null} when absent or empty. */
    public String credential(String field) {
        String value = credentials.get(field);
        return value == null || value.isEmpty() ? null : value;
    }

    public boolean expiresBy(Instant instant) {
        return expiresAt != null && !expiresAt.isAfter(instant);
    }

    @Override
    public String toString() {
        return "Lease[connection=" + connectionId + ", strategy=" + strategy.type()
                + ", fields=" + credentials.keySet() + ", expiresAt=" + expiresAt + ", fetchedAt=" + fetchedAt + "]";
    }
}
