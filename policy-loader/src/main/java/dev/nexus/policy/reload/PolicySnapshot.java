package dev.nexus.policy.reload;

import dev.nexus.policy.match.CompiledPolicy;

import java.time.Instant;

/**
 * What the reloader currently serves, for request handling ({@link #policy()}), metrics and
 * {@code /readyz}. Immutable: a reload publishes a new snapshot.
 *
 * @param policy         the policy in force, or {@code null} until a valid one was loaded
 * @param version        1 for the first successfully loaded policy, +1 per successful reload; 0 before
 * @param contentHash    SHA-256 hex of the files of the policy in force, or {@code null}
 * @param loadedAt       when the policy in force was loaded, or {@code null}
 * @param reloadFailures how many load attempts failed since start
 * @param lastError      every error of the last failed attempt (one per line), or {@code null}
 * @param lastErrorAt    when that attempt happened, or {@code null}
 */
public record PolicySnapshot(CompiledPolicy policy, long version, String contentHash, Instant loadedAt,
                             long reloadFailures, String lastError, Instant lastErrorAt) {

    static final PolicySnapshot EMPTY = new PolicySnapshot(null, 0, null, null, 0, null, null);

    /** Whether a valid policy is loaded, i.e. the proxy may serve. */
    public boolean ready() {
        return policy != null;
    }
}
