package dev.nexus.proxy.credentials.cache;

import java.time.Instant;

/**
 * What the admin endpoint may show about one cached lease: timing and strategy type, never a credential value.
 *
 * @param connectionId the Nexus connection id
 * @param state        where the lease is in its life
 * @param strategyType the strategy type, e.g. {@code header}
 * @param fetchedAt    when the Authority handed it out
 * @param expiresAt    its expiry, or {@code null} for none
 * @param refreshAt    when it becomes due for a background refresh
 * @param lastUsedAt   when a request last used it, or {@code null} when none has yet
 */
public record LeaseView(String connectionId, LeaseState state, String strategyType, Instant fetchedAt,
                        Instant expiresAt, Instant refreshAt, Instant lastUsedAt) {
}
