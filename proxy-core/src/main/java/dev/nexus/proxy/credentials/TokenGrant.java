package dev.nexus.proxy.credentials;

import dev.nexus.policy.model.StrategySpec;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed token document before it is bound to a connection and a fetch time: the Authority's
 * 200 body, or one entry of the local credential file. {@code expires_in} is kept relative so that
 * it is counted from the moment the lease is handed out. {@link #toString()} hides credential values.
 *
 * @param strategy    how to apply the credentials
 * @param credentials credential fields (secret values)
 * @param expiresAt   absolute expiry, or {@code null}
 * @param expiresIn   relative expiry, used only when {@code expiresAt} is {@code null}; or {@code null}
 */
public record TokenGrant(StrategySpec strategy, Map<String, String> credentials, Instant expiresAt, Duration expiresIn) {

    public TokenGrant {
        Objects.requireNonNull(strategy, "strategy");
        credentials = Map.copyOf(credentials);
    }

    /** The lease for {@code connectionId} as handed out at {@code fetchedAt}. */
    public Lease toLease(String connectionId, Instant fetchedAt) {
        Instant expiry = expiresAt != null ? expiresAt : expiresIn != null ? fetchedAt.plus(expiresIn) : null;
        return new Lease(connectionId, strategy, credentials, expiry, fetchedAt);
    }

    @Override
    public String toString() {
        return "TokenGrant[strategy=" + strategy.type() + ", fields=" + credentials.keySet()
                + ", expiresAt=" + expiresAt + ", expiresIn=" + expiresIn + "]";
    }
}
