package dev.nexus.proxy.credentials.reconsent;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Where re-consent state lives: in this process ({@link #local()}), or in Redis shared by every replica and
 * surviving restarts ({@code RedisLeaseStore#consentStore()}). Records are plain text: connection ids and the
 * consent link a human opens, no credential. Calls never fail their future; an unreachable store answers
 * empty and "claimed" so a replica can still act alone.
 */
public interface ConsentStore {

    /** Becomes the one replica that starts the consent for {@code connectionId} (held for {@code hold}). */
    CompletableFuture<Boolean> claim(String connectionId, Duration hold);

    /** The pending consent's record ({@code "<new id> <auth url>"}), if one was started. */
    CompletableFuture<Optional<String>> pending(String connectionId);

    CompletableFuture<Void> savePending(String connectionId, String record, Duration keep);

    /** The connection that replaced {@code connectionId} after a completed re-consent, if any. */
    CompletableFuture<Optional<String>> switchedTo(String connectionId);

    /** Persists the switch (no expiry) and forgets the pending consent. */
    CompletableFuture<Void> saveSwitch(String connectionId, String newConnectionId);

    /** A store in this process only: one replica, forgotten on restart. */
    static ConsentStore local() {
        ConcurrentMap<String, String> values = new ConcurrentHashMap<>();
        return new ConsentStore() {
            @Override
            public CompletableFuture<Boolean> claim(String connectionId, Duration hold) {
                return CompletableFuture.completedFuture(values.putIfAbsent("claim:" + connectionId, "") == null);
            }

            @Override
            public CompletableFuture<Optional<String>> pending(String connectionId) {
                return CompletableFuture.completedFuture(Optional.ofNullable(values.get("pending:" + connectionId)));
            }

            @Override
            public CompletableFuture<Void> savePending(String connectionId, String record, Duration keep) {
                values.put("pending:" + connectionId, record);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Optional<String>> switchedTo(String connectionId) {
                return CompletableFuture.completedFuture(Optional.ofNullable(values.get("switch:" + connectionId)));
            }

            @Override
            public CompletableFuture<Void> saveSwitch(String connectionId, String newConnectionId) {
                values.put("switch:" + connectionId, newConnectionId);
                values.remove("pending:" + connectionId);
                values.remove("claim:" + connectionId);
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
