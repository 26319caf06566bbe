package dev.nexus.proxy.credentials.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The two Redis connections the store needs (one for commands, one subscribed to the events
 * channel) and whether Redis is usable right now.
 *
 * <p>Nothing here blocks: the first connection is made asynchronously and retried with backoff
 * until it succeeds (Lettuce reconnects only connections that once succeeded), after which Lettuce
 * reconnects on its own and re-subscribes the events channel. Commands fail fast while
 * disconnected instead of queueing. Availability is the connections being open and periodic PINGs
 * answering; Lettuce's connection events trigger an immediate re-check so the state follows an
 * outage or a recovery within milliseconds.
 */
final class RedisConnections implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisConnections.class.getName());
    private static final RedisCodec<String, byte[]> COMMAND_CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY = Duration.ofSeconds(2);
    private static final Duration MIN_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** One late PING on a busy machine is noise; two in a row mean Redis is not answering. */
    private static final int MISSED_PINGS_BEFORE_UNAVAILABLE = 2;

    private final RedisStoreSettings settings;
    private final String channel;
    private final Consumer<String> onMessage;
    private final Duration connectTimeout;
    private final List<RedisURI> uris;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final Disposable connectionEvents;
    private final ScheduledFuture<?> healthChecks;

    private volatile StatefulConnection<String, byte[]> connection;
    private volatile RedisClusterAsyncCommands<String, byte[]> commands;
    private volatile StatefulRedisPubSubConnection<String, String> subscriber;
    /** Whether PINGs are answered in time (see {@link #MISSED_PINGS_BEFORE_UNAVAILABLE}). */
    private volatile boolean answering;
    private final AtomicInteger missedPings = new AtomicInteger();
    private volatile boolean closed;
    /** What was last logged, so an outage is reported once and not on every check. */
    private boolean reportedAvailable;
    private boolean reportedConnectFailure;

    /**
     * Starts connecting in the background and returns at once.
     *
     * @param channel   the events channel to subscribe to
     * @param onMessage receives each message on that channel, on a Lettuce I/O thread: must not block
     */
    RedisConnections(RedisStoreSettings settings, String channel, Consumer<String> onMessage) {
        this.settings = settings;
        this.channel = channel;
        this.onMessage = onMessage;
        this.connectTimeout = settings.commandTimeout().compareTo(MIN_CONNECT_TIMEOUT) > 0
                ? settings.commandTimeout() : MIN_CONNECT_TIMEOUT;
        this.uris = settings.redisUris();
        uris.forEach(uri -> uri.setTimeout(connectTimeout)); // bounds the handshake (HELLO, AUTH, SELECT)
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(FIRST_RETRY, MAX_RETRY, 2, TimeUnit.MILLISECONDS))
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .build();
        this.client = createClient();
        // Any connection going down or up (ours, or a cluster node's) is a reason to check now rather
        // than at the next scheduled PING; the PING fails at once while disconnected.
        this.connectionEvents = resources.eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionDeactivatedEvent || event instanceof ConnectionActivatedEvent) {
                resources.eventExecutorGroup().execute(this::checkHealth);
            }
        });
        long interval = settings.healthCheckInterval().toMillis();
        this.healthChecks = resources.eventExecutorGroup()
                .scheduleWithFixedDelay(this::checkHealth, interval, interval, TimeUnit.MILLISECONDS);
        connect(FIRST_RETRY);
    }

    /** The command interface, or {@code null} while Redis is unavailable (callers then fall back). */
    RedisClusterAsyncCommands<String, byte[]> commandsIfAvailable() {
        return available() ? commands : null;
    }

    boolean available() {
        StatefulConnection<String, byte[]> current = connection;
        StatefulRedisPubSubConnection<String, String> events = subscriber;
        return !closed && answering && current != null && current.isOpen() && events != null && events.isOpen();
    }

    /** Runs {@code task} after {@code delay} on the client's scheduler; the handle cancels it. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return resources.eventExecutorGroup().schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        healthChecks.cancel(false);
        connectionEvents.dispose();
        // Closed one by one before the client: left to client.shutdown, cluster connections get closed twice.
        closeQuietly(subscriber);
        closeQuietly(connection);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    private static void closeQuietly(StatefulConnection<?, ?> open) {
        if (open != null && open.isOpen()) {
            open.closeAsync().orTimeout(2, TimeUnit.SECONDS).exceptionally(failure -> null).join();
        }
    }

    private AbstractRedisClient createClient() {
        ClientOptions options = ClientOptions.builder()
                .autoReconnect(true)
                // While disconnected, fail at once so the proxy falls back instead of queueing requests.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build())
                .build();
        if (settings.cluster()) {
            RedisClusterClient clusterClient = RedisClusterClient.create(resources, uris);
            clusterClient.setOptions(ClusterClientOptions.builder(options)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                    .build());
            return clusterClient;
        }
        RedisClient redisClient = RedisClient.create(resources, uris.get(0));
        redisClient.setOptions(options);
        return redisClient;
    }

    /** Opens both connections and subscribes; on failure tries again later, backing off. */
    private void connect(Duration retryDelay) {
        if (closed) {
            return;
        }
        connectCommands().thenCompose(commandConnection -> subscribe().handle((events, failure) -> {
            if (failure != null) {
                commandConnection.closeAsync();
                throw new IllegalStateException(failure);
            }
            install(commandConnection, events);
            return null;
        })).whenComplete((ignored, failure) -> {
            if (failure == null) {
                return;
            }
            reportConnectFailure(failure);
            Duration next = retryDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryDelay.multipliedBy(2);
            if (!closed) {
                schedule(() -> connect(next), retryDelay);
            }
        });
    }

    private CompletableFuture<StatefulConnection<String, byte[]>> connectCommands() {
        if (client instanceof RedisClusterClient clusterClient) {
            // Both connect methods need the slot map; only a successful load makes the client usable.
            return clusterClient.refreshPartitionsAsync().toCompletableFuture()
                    .thenCompose(loaded -> clusterClient.connectAsync(COMMAND_CODEC))
                    .thenApply(c -> (StatefulConnection<String, byte[]>) c);
        }
        return ((RedisClient) client).connectAsync(COMMAND_CODEC, uris.get(0))
                .toCompletableFuture().thenApply(c -> (StatefulConnection<String, byte[]>) c);
    }

    private CompletionStage<StatefulRedisPubSubConnection<String, String>> subscribe() {
        CompletionStage<StatefulRedisPubSubConnection<String, String>> connecting =
                client instanceof RedisClusterClient clusterClient
                        ? clusterClient.connectPubSubAsync(StringCodec.UTF8).thenApply(c -> c)
                        : ((RedisClient) client).connectPubSubAsync(StringCodec.UTF8, uris.get(0));
        return connecting.thenCompose(events -> {
            events.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String messageChannel, String message) {
                    onMessage.accept(message);
                }
            });
            // Lettuce re-issues this SUBSCRIBE by itself after every reconnect.
            return events.async().subscribe(channel).thenApply(ok -> events)
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            events.closeAsync();
                        }
                    });
        });
    }

    private void install(StatefulConnection<String, byte[]> commandConnection,
                         StatefulRedisPubSubConnection<String, String> events) {
        connection = commandConnection;
        commands = commandConnection instanceof StatefulRedisClusterConnection<String, byte[]> cluster
                ? cluster.async() : ((StatefulRedisConnection<String, byte[]>) commandConnection).async();
        subscriber = events;
        if (closed) { // close() ran while we were connecting: it could not see these connections
            events.closeAsync();
            commandConnection.closeAsync();
            return;
        }
        checkHealth();
    }

    /** PINGs Redis and updates the availability accordingly. */
    private void checkHealth() {
        RedisClusterAsyncCommands<String, byte[]> current = commands;
        if (closed || current == null) {
            return;
        }
        // A dependent future, so the bound applies to this check without completing Lettuce's command.
        current.ping().thenApply(pong -> pong).toCompletableFuture()
                .orTimeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((pong, failure) -> {
                    if (failure == null && "PONG".equalsIgnoreCase(pong)) {
                        missedPings.set(0);
                        answering = true;
                    } else if (missedPings.incrementAndGet() >= MISSED_PINGS_BEFORE_UNAVAILABLE) {
                        answering = false;
                    }
                    reportAvailability();
                });
    }

    private synchronized void reportAvailability() {
        boolean now = available();
        if (now && !reportedAvailable) {
            LOG.info(() -> "Redis lease store connected to " + settings.redactedUrl());
            reportedConnectFailure = false;
        } else if (!now && reportedAvailable && !closed) {
            LOG.warning(() -> "Redis lease store at " + settings.redactedUrl()
                    + " is unavailable; serving from the local cache and the Authority until it is back");
        }
        reportedAvailable = now;
    }

    private synchronized void reportConnectFailure(Throwable failure) {
        // Lettuce wraps the telling part ("WRONGPASS ...", "Connection refused") a few levels deep.
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        // The first failure is worth a warning; the retries after it are not.
        Level level = reportedConnectFailure || closed ? Level.FINE : Level.WARNING;
        reportedConnectFailure = true;
        LOG.log(level, () -> "Cannot connect to Redis at " + settings.redactedUrl() + " (" + reason
                + "); retrying in the background, serving from the local cache meanwhile");
    }
}
