package dev.nexus.proxy.credentials.redis;

import dev.nexus.proxy.credentials.reconsent.ConsentStore;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@link ConsentStore} in Redis, next to the leases:
 * <pre>
 *   nexus:lease:consent:claim:&lt;id&gt;    the replica that starts the consent (SET NX PX)
 *   nexus:lease:consent:pending:&lt;id&gt;  "&lt;new connection id&gt; &lt;auth url&gt;", TTL = how long it is polled
 *   nexus:lease:consent:switch:&lt;id&gt;   the connection that replaced &lt;id&gt;, no TTL (survives restarts)
 * </pre>
 * Commands go through the lease store's bounded runner, so an outage answers empty (and "claimed") in time.
 */
final class RedisConsentStore implements ConsentStore {

    /** The lease store's runner: one bounded operation with a fallback. */
    interface Commands {
        <T> CompletableFuture<T> run(T fallback, Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> action);
    }

    private final String prefix;
    private final Commands commands;

    RedisConsentStore(String prefix, Commands commands) {
        this.prefix = prefix;
        this.commands = commands;
    }

    @Override
    public CompletableFuture<Boolean> claim(String connectionId, Duration hold) {
        return commands.run(Boolean.TRUE, redis -> redis.set(prefix + "claim:" + connectionId, bytes("1"),
                SetArgs.Builder.nx().px(Math.max(1, hold.toMillis()))).thenApply("OK"::equals));
    }

    @Override
    public CompletableFuture<Optional<String>> pending(String connectionId) {
        return read(prefix + "pending:" + connectionId);
    }

    @Override
    public CompletableFuture<Void> savePending(String connectionId, String record, Duration keep) {
        return commands.run(null, redis -> redis.set(prefix + "pending:" + connectionId, bytes(record),
                SetArgs.Builder.px(Math.max(1, keep.toMillis()))).thenApply(ok -> null));
    }

    @Override
    public CompletableFuture<Optional<String>> switchedTo(String connectionId) {
        return read(prefix + "switch:" + connectionId);
    }

    @Override
    public CompletableFuture<Void> saveSwitch(String connectionId, String newConnectionId) {
        return commands.run(null, redis -> redis.set(prefix + "switch:" + connectionId, bytes(newConnectionId))
                .thenCompose(ok -> redis.del(prefix + "pending:" + connectionId, prefix + "claim:" + connectionId))
                .thenApply(deleted -> null));
    }

    private CompletableFuture<Optional<String>> read(String key) {
        return commands.run(Optional.empty(), redis -> redis.get(key)
                .thenApply(value -> Optional.ofNullable(value).map(v -> new String(v, StandardCharsets.UTF_8))));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
