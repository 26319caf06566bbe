package dev.nexus.proxy.credentials.redis;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.SharedLeaseStore;
import dev.nexus.proxy.credentials.reconsent.ConsentStore;
import dev.nexus.proxy.credentials.redis.RedisStoreMetrics.Op;
import dev.nexus.proxy.credentials.redis.RedisStoreMetrics.Outcome;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The shared lease cache in Redis (Lettuce, asynchronous), so replicas of the proxy fetch each
 * connection's credentials from the Authority once between them and see each other's refreshes
 * and revocations.
 *
 * <ul>
 *   <li>Leases live under {@code <namespace><connectionId>}, AES-256-GCM encrypted by {@link LeaseCipher}
 *       (bound to that key), with a TTL of the lease's remaining lifetime ({@code max_lease_age} when
 *       it has no expiry).</li>
 *   <li>The fetch lock is {@code SET <namespace>lock:<id> <random token> NX PX <hold>}; release deletes
 *       it only if it still holds this replica's token (compare-and-delete in Lua).</li>
 *   <li>Changes are announced on the channel {@code <namespace>events}; events name the connection
 *       only. Each store has a random instance id so it ignores its own events.</li>
 *   <li>Redis down or slow never fails a call: every future completes within the command timeout,
 *       reads with empty, writes with nothing done, lock attempts with "you fetch".</li>
 * </ul>
 * Futures complete on Lettuce threads or the caller's; callers hop back to their own event loop.
 * Remote-change listeners run on a Lettuce I/O thread and must not block.
 */
public final class RedisLeaseStore implements SharedLeaseStore {

    private static final Logger LOG = Logger.getLogger(RedisLeaseStore.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String RELEASE_SCRIPT =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    private static final String RELEASE_SCRIPT_SHA = sha1Hex(RELEASE_SCRIPT);

    private final RedisStoreSettings settings;
    private final Clock clock;
    private final String instanceId = randomHex(8);
    private final LeaseEvents events = new LeaseEvents(instanceId);
    private final ConcurrentMap<String, byte[]> heldLockTokens = new ConcurrentHashMap<>();
    private final RedisConnections connections;
    private final RedisStoreMetrics metrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Starts connecting in the background and returns at once; until Redis answers, the store
     * behaves as during an outage ({@link #available()} is false).
     *
     * @param registry where the {@code nexus_redis_*} metrics are registered (unregistered on {@link #close()})
     */
    public RedisLeaseStore(RedisStoreSettings settings, PrometheusRegistry registry) {
        this(settings, registry, Clock.systemUTC());
    }

    RedisLeaseStore(RedisStoreSettings settings, PrometheusRegistry registry, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.connections = new RedisConnections(settings, eventsChannel(), events::onMessage);
        this.metrics = new RedisStoreMetrics(registry, connections::available);
    }

    /** This store's random id, the {@code origin} of the events it sends. */
    public String instanceId() {
        return instanceId;
    }

    @Override
    public CompletableFuture<Optional<Lease>> read(String connectionId) {
        String key = leaseKey(connectionId);
        return run(Op.READ, Optional.empty(),
                commands -> commands.get(key).thenApply(record -> decode(connectionId, key, record)));
    }

    @Override
    public CompletableFuture<Void> publish(Lease lease) {
        String connectionId = lease.connectionId();
        long ttlMillis = (lease.expiresAt() == null
                ? settings.maxLeaseAge() : Duration.between(clock.instant(), lease.expiresAt())).toMillis();
        if (ttlMillis <= 0) {
            return CompletableFuture.completedFuture(null); // already expired: nothing worth sharing
        }
        String key = leaseKey(connectionId);
        byte[] plaintext = LeaseJson.write(lease);
        byte[] record = settings.cipher().seal(plaintext, key.getBytes(StandardCharsets.UTF_8));
        Arrays.fill(plaintext, (byte) 0);
        byte[] event = events.encode(LeaseEvents.Kind.PUBLISHED, connectionId);
        // Write before announcing, so a replica woken by the event finds the record.
        return run(Op.PUBLISH, null, commands -> commands.set(key, record, SetArgs.Builder.px(ttlMillis))
                .thenCompose(ok -> commands.publish(eventsChannel(), event))
                .thenApply(receivers -> null));
    }

    @Override
    public CompletableFuture<Void> invalidate(String connectionId) {
        String key = leaseKey(connectionId);
        byte[] event = events.encode(LeaseEvents.Kind.INVALIDATED, connectionId);
        return run(Op.INVALIDATE, null, commands -> commands.del(key)
                .thenCompose(deleted -> commands.publish(eventsChannel(), event))
                .thenApply(receivers -> null));
    }

    @Override
    public CompletableFuture<Void> invalidateTerminal(String connectionId, CredentialException.Kind kind) {
        String key = leaseKey(connectionId);
        byte[] event = events.encodeTerminal(connectionId, kind);
        return run(Op.INVALIDATE, null, commands -> commands.del(key)
                .thenCompose(deleted -> commands.publish(eventsChannel(), event))
                .thenApply(receivers -> null));
    }

    @Override
    public void onRemoteTerminal(BiConsumer<String, CredentialException.Kind> listener) {
        events.addTerminalListener(listener);
    }

    /** Kept as {@code <namespace>ratelimit} (epoch ms, expiring with the deadline) and announced on the channel. */
    @Override
    public CompletableFuture<Void> shareRateLimit(Instant until) {
        long holdMillis = Duration.between(clock.instant(), until).toMillis();
        if (holdMillis <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        byte[] value = Long.toString(until.toEpochMilli()).getBytes(StandardCharsets.US_ASCII);
        byte[] event = events.encodeRateLimit(until);
        return run(Op.RATE_LIMIT, null, commands -> commands.set(rateLimitKey(), value, SetArgs.Builder.px(holdMillis))
                .thenCompose(ok -> commands.publish(eventsChannel(), event))
                .thenApply(receivers -> null));
    }

    @Override
    public CompletableFuture<Optional<Instant>> sharedRateLimit() {
        return run(Op.RATE_LIMIT, Optional.empty(), commands -> commands.get(rateLimitKey()).thenApply(value -> {
            try {
                return value == null ? Optional.<Instant>empty()
                        : Optional.of(Instant.ofEpochMilli(Long.parseLong(new String(value, StandardCharsets.US_ASCII))));
            } catch (NumberFormatException e) {
                return Optional.<Instant>empty();
            }
        }));
    }

    @Override
    public void onRemoteRateLimit(Consumer<Instant> listener) {
        events.addRateLimitListener(listener);
    }

    @Override
    public CompletableFuture<Boolean> tryAcquireFetchLock(String connectionId, Duration hold) {
        byte[] token = randomHex(16).getBytes(StandardCharsets.US_ASCII);
        return run(Op.LOCK_ACQUIRE, Boolean.TRUE, commands -> commands
                .set(lockKey(connectionId), token, SetArgs.Builder.nx().px(Math.max(1, hold.toMillis())))
                .thenApply(reply -> {
                    boolean won = "OK".equals(reply);
                    if (won) {
                        heldLockTokens.put(connectionId, token);
                    }
                    return won;
                }));
    }

    @Override
    public CompletableFuture<Void> releaseFetchLock(String connectionId) {
        byte[] token = heldLockTokens.remove(connectionId);
        if (token == null) {
            // Not ours (or taken while Redis was down): whoever holds it releases it, or it expires.
            return CompletableFuture.completedFuture(null);
        }
        String[] keys = {lockKey(connectionId)};
        return run(Op.LOCK_RELEASE, null, commands -> commands
                .<Long>evalsha(RELEASE_SCRIPT_SHA, ScriptOutputType.INTEGER, keys, token)
                .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                        // First use on this Redis (or after SCRIPT FLUSH): EVAL also caches it for next time.
                        ? commands.<Long>eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, keys, token)
                        : CompletableFuture.failedFuture(failure))
                .thenApply(deleted -> null));
    }

    @Override
    public CompletableFuture<Optional<Lease>> awaitPublication(String connectionId, Duration timeout) {
        if (!connections.available()) {
            return CompletableFuture.completedFuture(Optional.empty()); // no events can arrive: fetch yourself
        }
        CompletableFuture<Optional<Lease>> result = new CompletableFuture<>();
        CompletableFuture<LeaseEvents.Kind> event = events.next(connectionId);
        event.whenComplete((kind, failure) -> {
            if (kind == LeaseEvents.Kind.PUBLISHED) {
                read(connectionId).thenAccept(result::complete);
            } else {
                result.complete(Optional.empty()); // invalidated, or the store is closing
            }
        });
        // The other replica may have published before our waiter existed: look once now.
        read(connectionId).thenAccept(found -> found.ifPresent(lease -> result.complete(found)));
        result.completeOnTimeout(Optional.empty(), timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((lease, failure) -> event.cancel(false));
        return result;
    }

    /** Re-consent records in the same Redis and namespace, shared by the replicas and kept across restarts. */
    public ConsentStore consentStore() {
        return new RedisConsentStore(settings.namespace() + "consent:", this::consentCommand);
    }

    private <T> CompletableFuture<T> consentCommand(T fallback,
                                                    Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> action) {
        return run(Op.CONSENT, fallback, action);
    }

    @Override
    public void onRemoteChange(Consumer<String> listener) {
        events.addListener(listener);
    }

    @Override
    public void onRemoteInvalidation(Consumer<String> listener) {
        events.addInvalidationListener(listener);
    }

    @Override
    public boolean available() {
        return connections.available();
    }

    /** Ends pending waits (empty), closes the connections and unregisters the metrics. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        events.cancelWaiters();
        connections.close();
        metrics.close();
    }

    @Override
    public String toString() {
        return "RedisLeaseStore[" + settings.redactedUrl() + ", namespace=" + settings.namespace()
                + ", instance=" + instanceId + ", available=" + available() + "]";
    }

    /**
     * Runs one store operation against Redis, turning every failure into {@code fallback}: when Redis
     * is unavailable (at once), on an error, or when the command timeout passes, whichever comes first.
     */
    private <T> CompletableFuture<T> run(Op op, T fallback,
                                         Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> action) {
        RedisClusterAsyncCommands<String, byte[]> commands = connections.commandsIfAvailable();
        if (commands == null) {
            metrics.record(op, Outcome.UNAVAILABLE);
            return CompletableFuture.completedFuture(fallback);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        // Whoever settles the operation first (the reply or the deadline) counts it, and counts it before
        // completing the future: a caller that reads the metrics after join() sees its own operation.
        AtomicBoolean settled = new AtomicBoolean();
        // Lettuce times out each command; this bounds the whole operation (some are two commands).
        ScheduledFuture<?> deadline;
        try {
            deadline = connections.schedule(() -> {
                if (settled.compareAndSet(false, true)) {
                    metrics.record(op, Outcome.TIMEOUT);
                    result.complete(fallback);
                }
            }, settings.commandTimeout());
        } catch (RejectedExecutionException closing) {
            metrics.record(op, Outcome.UNAVAILABLE);
            return CompletableFuture.completedFuture(fallback);
        }
        CompletionStage<T> stage;
        try {
            stage = action.apply(commands);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((value, failure) -> {
            deadline.cancel(false);
            if (!settled.compareAndSet(false, true)) {
                return; // the deadline already answered with the fallback
            }
            if (failure == null) {
                metrics.record(op, Outcome.OK);
                result.complete(value);
            } else {
                Throwable cause = unwrap(failure);
                boolean timedOut = cause instanceof RedisCommandTimeoutException || cause instanceof TimeoutException;
                metrics.record(op, timedOut ? Outcome.TIMEOUT : Outcome.ERROR);
                LOG.log(Level.FINE, () -> "Redis " + op.label + " failed, falling back: "
                        + cause.getClass().getSimpleName() + ": " + cause.getMessage());
                result.complete(fallback);
            }
        });
        return result;
    }

    private Optional<Lease> decode(String connectionId, String key, byte[] record) {
        if (record == null) {
            return Optional.empty();
        }
        byte[] plaintext = null;
        try {
            plaintext = settings.cipher().open(record, key.getBytes(StandardCharsets.UTF_8));
            Lease lease = LeaseJson.read(plaintext);
            if (!lease.connectionId().equals(connectionId)) {
                throw new UnreadableRecordException("record names another connection");
            }
            return Optional.of(lease);
        } catch (UnreadableRecordException e) {
            metrics.decryptFailure();
            LOG.warning(() -> "Ignoring the Redis lease record of connection " + connectionId + ": " + e.getMessage());
            return Optional.empty();
        } finally {
            if (plaintext != null) {
                Arrays.fill(plaintext, (byte) 0);
            }
        }
    }

    private String leaseKey(String connectionId) {
        return settings.namespace() + connectionId;
    }

    private String lockKey(String connectionId) {
        return settings.namespace() + "lock:" + connectionId;
    }

    private String rateLimitKey() {
        return settings.namespace() + "ratelimit";
    }

    private String eventsChannel() {
        return settings.namespace() + "events";
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static String sha1Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the Java platform", e);
        }
    }
}
