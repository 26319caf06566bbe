package dev.nexus.proxy.credentials.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.LeaseProvider;
import dev.nexus.proxy.credentials.SharedLeaseStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The L1 lease cache in front of a {@link CredentialSource} (and optionally a {@link SharedLeaseStore} as L2):
 * what the data plane asks for credentials.
 * <ul>
 *   <li><b>Hits cost nothing:</b> a usable lease is returned as an already completed future.</li>
 *   <li><b>Refresh-ahead:</b> a use past {@link LeaseCacheSettings#refreshAheadFraction()} of the lease's usable
 *       life starts one background refresh on the executor and still returns the current lease, so in steady
 *       state no request waits on the Authority.</li>
 *   <li><b>Single-flight:</b> concurrent misses for a connection share one load (and, with L2, one Authority
 *       call across replicas).</li>
 *   <li><b>Fail static:</b> while the Authority is unavailable (circuit open, connection backing off, or the
 *       call failed as unavailable) a lease keeps being served until its own {@code expires_at}, even past
 *       the safety margin; without a servable lease the call fails fast with {@link Kind#UNAVAILABLE}.</li>
 *   <li><b>Terminal answers</b> (revoked, not found, attention required) drop the lease here and in L2 and are
 *       remembered briefly (see {@link GuardedSource}); with L2 every other replica drops and remembers it at once.</li>
 *   <li><b>Revocations</b> (terminal answers here or on another replica, {@link #invalidate}, another replica's
 *       invalidation) are told to the {@link #onRevoked} listeners, so streams carrying the withdrawn credential end.</li>
 *   <li><b>Rate limit:</b> after the Authority's 429 no call is made before its {@code Retry-After} (shared with
 *       the other replicas through L2); cached leases keep being served until their own expiry, cold connections
 *       fail at once with {@link Kind#RATE_LIMITED} instead of waiting.</li>
 *   <li><b>401 rotation:</b> {@link #refreshAfterRejection} forces one refresh per rejected lease, rate-limited
 *       per connection; with L2, replicas rejecting the same lease share one refresh.</li>
 * </ul>
 * Time comes from the injected {@link Clock} (also driving Caffeine's ticker), so expiry and refresh
 * timing are testable without sleeping. Futures may complete on any thread.
 */
public final class LeaseCache implements LeaseProvider {

    private static final Logger LOG = Logger.getLogger(LeaseCache.class.getName());

    /** One forced refresh: which lease was rejected, when, and the shared outcome. */
    private record ForcedRefresh(Lease rejected, long startedAtMillis, CompletableFuture<Lease> outcome) {
    }

    private final LeaseCacheSettings settings;
    private final Clock clock;
    private final Executor executor;
    private final Cache<String, CachedLease> leases;
    private final Map<String, CompletableFuture<Lease>> loads = new ConcurrentHashMap<>();
    private final Map<String, ForcedRefresh> forced = new ConcurrentHashMap<>();
    private final AtomicLong loadSequence = new AtomicLong();
    private final GuardedSource source;
    private final SharedTier shared;
    private final LeaseCacheMetrics metrics;
    private final List<Consumer<String>> revocationListeners = new CopyOnWriteArrayList<>();

    private LeaseCache(Builder builder) {
        this.settings = builder.settings;
        this.clock = builder.clock;
        this.executor = builder.executor;
        Ticker ticker = () -> clock.millis() * 1_000_000L;
        this.leases = Caffeine.newBuilder()
                .maximumSize(settings.maximumLeases())
                .expireAfter(new HardExpiry())
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
        this.source = new GuardedSource(builder.source, settings, clock, ticker, builder.jitter, this::dropTerminal,
                this::shareRateLimit);
        this.metrics = new LeaseCacheMetrics(builder.registry, this::countByState, source::circuitOpen);
        this.shared = new SharedTier(builder.shared, source, metrics, settings);
        if (builder.shared != null) {
            builder.shared.onRemoteChange(this::remoteChange);
            builder.shared.onRemoteInvalidation(connectionId -> {
                leases.invalidate(connectionId);
                revoked(connectionId);
            });
            builder.shared.onRemoteTerminal((connectionId, kind) -> {
                source.rememberRemote(connectionId, kind);
                leases.invalidate(connectionId);
                revoked(connectionId);
            });
            builder.shared.onRemoteRateLimit(source::rateLimitedUntil);
            shared.rateLimit().thenAccept(until -> until.ifPresent(source::rateLimitedUntil));
        }
        builder.source.onChange(connectionId -> {
            leases.invalidate(connectionId);
            source.forget(connectionId);
        });
    }

    /** A builder for a cache over {@code source} whose metrics go to {@code registry}. */
    public static Builder builder(CredentialSource source, PrometheusRegistry registry) {
        return new Builder(source, registry);
    }

    @Override
    public CompletableFuture<Lease> lease(String connectionId) {
        long now = clock.millis();
        CachedLease cached = leases.getIfPresent(connectionId);
        if (cached != null) {
            if (now < cached.usableUntilMillis) {
                metrics.l1Hit.inc();
                cached.touch(now);
                if (now >= cached.refreshAtMillis) {
                    refreshAhead(connectionId, now);
                }
                return cached.completed;
            }
            if (now < cached.hardExpiryMillis && source.refusing(connectionId, now)) {
                metrics.l1Hit.inc();
                cached.touch(now);
                return cached.completed;
            }
        }
        metrics.l1Miss.inc();
        CredentialException known = source.remembered(connectionId);
        if (known != null) {
            return CompletableFuture.failedFuture(known);
        }
        if (source.refusing(connectionId, now)) {
            return CompletableFuture.failedFuture(source.refusal(connectionId));
        }
        CompletableFuture<Lease> load = load(connectionId, false);
        return cached == null ? load : load.exceptionallyCompose(error -> failStatic(cached, error));
    }

    /** A stale lease whose refresh failed as unavailable is still served until its own expiry. */
    private CompletableFuture<Lease> failStatic(CachedLease stale, Throwable error) {
        Throwable cause = GuardedSource.unwrap(error);
        if (cause instanceof CredentialException e && e.kind() == Kind.UNAVAILABLE && clock.millis() < stale.hardExpiryMillis) {
            return stale.completed;
        }
        return CompletableFuture.failedFuture(cause);
    }

    private void refreshAhead(String connectionId, long now) {
        if (loads.containsKey(connectionId) || source.refusing(connectionId, now)) {
            return;
        }
        metrics.refreshAhead.inc();
        load(connectionId, true).whenComplete((lease, error) -> {
            if (error != null) {
                metrics.refreshFailed.inc();
            }
        });
    }

    /**
     * Starts (or joins) the one load for the connection; a load that ended since the caller's L1 miss counts
     * as joined. A refresh-ahead load runs on the executor and accepts from L2 only a lease not yet due for
     * refresh itself; a miss starts on the caller's thread (every step is asynchronous) and accepts any usable lease.
     */
    private CompletableFuture<Lease> load(String connectionId, boolean ahead) {
        CompletableFuture<Lease> promise = new CompletableFuture<>();
        CompletableFuture<Lease> running = loads.putIfAbsent(connectionId, promise);
        if (running != null) {
            metrics.singleflightWaits.inc();
            return running.copy();
        }
        CachedLease stored = leases.getIfPresent(connectionId);
        if (stored != null && acceptable(stored.lease, ahead)) {
            // The load this caller missed finished between its L1 look-up and the claim above (a load stores
            // its lease before it leaves the in-flight map): take that lease rather than fetch it again.
            loads.remove(connectionId, promise);
            promise.complete(stored.lease); // for any caller that joined it meanwhile
            metrics.singleflightWaits.inc();
            return stored.completed;
        }
        long sequence = loadSequence.incrementAndGet();
        Runnable start = () -> {
            CompletableFuture<Lease> loaded;
            try {
                loaded = shared.load(connectionId, candidate -> acceptable(candidate, ahead), false);
            } catch (RuntimeException e) {
                loaded = CompletableFuture.failedFuture(e);
            }
            loaded.whenComplete((lease, error) -> {
                if (error == null) {
                    store(connectionId, lease, sequence);
                }
                loads.remove(connectionId, promise);
                if (error == null) {
                    promise.complete(lease);
                } else {
                    promise.completeExceptionally(GuardedSource.unwrap(error));
                }
            });
        };
        if (ahead) {
            try {
                executor.execute(start);
            } catch (RejectedExecutionException e) {
                loads.remove(connectionId, promise);
                promise.completeExceptionally(new CredentialException(Kind.UNAVAILABLE, connectionId,
                        "background refresh could not be scheduled (executor refused it)"));
            }
        } else {
            start.run();
        }
        return promise.copy();
    }

    private boolean acceptable(Lease candidate, boolean ahead) {
        CachedLease timing = CachedLease.of(candidate, 0, settings);
        long now = clock.millis();
        return now < (ahead ? timing.refreshAtMillis : timing.usableUntilMillis);
    }

    /** Caches the lease unless a load that started later already stored a newer one. */
    private void store(String connectionId, Lease lease, long sequence) {
        CachedLease fresh = CachedLease.of(lease, sequence, settings);
        leases.asMap().compute(connectionId, (id, old) -> old != null && old.sequence > sequence ? old : fresh);
    }

    /**
     * Another replica published (or dropped) the connection's lease: ours goes unless it is the one now in L2.
     * The event travels on its own connection and can arrive after this replica already read the published
     * lease from L2 and cached it; that copy is current and stays.
     */
    private void remoteChange(String connectionId) {
        CachedLease held = leases.getIfPresent(connectionId);
        if (held == null) {
            return;
        }
        shared.read(connectionId).thenAccept(found -> {
            if (found.filter(lease -> sameCredentials(lease, held.lease)).isEmpty()) {
                leases.asMap().remove(connectionId, held);
            }
        });
    }

    @Override
    public CompletableFuture<Lease> refreshAfterRejection(String connectionId, Lease rejected) {
        Objects.requireNonNull(rejected, "rejected");
        long now = clock.millis();
        CachedLease current = leases.getIfPresent(connectionId);
        if (current != null && !sameCredentials(current.lease, rejected) && now < current.hardExpiryMillis) {
            return current.completed;
        }
        CredentialException known = source.remembered(connectionId);
        if (known != null) {
            return CompletableFuture.failedFuture(known);
        }
        ForcedRefresh attempt = new ForcedRefresh(rejected, now, new CompletableFuture<>());
        ForcedRefresh winner = forced.compute(connectionId, (id, previous) -> {
            boolean joinable = previous != null && !previous.outcome.isDone() && sameCredentials(previous.rejected, rejected);
            boolean rateLimited = previous != null
                    && now - previous.startedAtMillis < settings.forcedRefreshInterval().toMillis();
            return joinable || rateLimited ? previous : attempt;
        });
        if (winner != attempt) {
            return joinOrRefuse(connectionId, winner, rejected);
        }
        metrics.refreshForced.inc();
        leases.asMap().computeIfPresent(connectionId, (id, cached) -> sameCredentials(cached.lease, rejected) ? null : cached);
        long sequence = loadSequence.incrementAndGet();
        // Through L2: when several replicas see the same 401, one refreshes and the others take its lease.
        CompletableFuture<Lease> refreshed = shared.load(connectionId,
                candidate -> !sameCredentials(candidate, rejected) && acceptable(candidate, false), true);
        refreshed.whenComplete((lease, error) -> {
            if (error == null) {
                store(connectionId, lease, sequence);
                attempt.outcome.complete(lease);
            } else {
                metrics.refreshFailed.inc();
                attempt.outcome.completeExceptionally(GuardedSource.unwrap(error));
            }
        });
        return attempt.outcome.copy();
    }

    /** Inside the rate-limit window: share the running refresh, hand out its newer lease, or refuse clearly. */
    private CompletableFuture<Lease> joinOrRefuse(String connectionId, ForcedRefresh previous, Lease rejected) {
        if (!previous.outcome.isDone()) {
            metrics.singleflightWaits.inc();
            return previous.outcome.copy();
        }
        if (previous.outcome.isCompletedExceptionally()) {
            return previous.outcome.copy();
        }
        Lease newer = previous.outcome.join();
        if (!sameCredentials(newer, rejected)) {
            return CompletableFuture.completedFuture(newer);
        }
        long retryAt = previous.startedAtMillis + settings.forcedRefreshInterval().toMillis();
        return CompletableFuture.failedFuture(new CredentialException(Kind.UNAVAILABLE, connectionId,
                "the upstream rejected the credentials again right after a forced refresh; no further refresh before "
                        + Instant.ofEpochMilli(retryAt)));
    }

    private static boolean sameCredentials(Lease a, Lease b) {
        return a.credentials().equals(b.credentials()) && a.strategy().equals(b.strategy());
    }

    @Override
    public void invalidate(String connectionId) {
        dropEverywhere(connectionId);
    }

    private void dropEverywhere(String connectionId) {
        leases.invalidate(connectionId);
        shared.invalidate(connectionId);
        revoked(connectionId);
    }

    @Override
    public void onRevoked(Consumer<String> listener) {
        revocationListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private void revoked(String connectionId) {
        for (Consumer<String> listener : revocationListeners) {
            try {
                listener.accept(connectionId);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a revocation listener failed for connection " + connectionId, e);
            }
        }
    }

    /** A terminal answer: drop the lease here and in L2, and make every replica stop asking at once. */
    private void dropTerminal(String connectionId, Kind kind) {
        leases.invalidate(connectionId);
        shared.invalidateTerminal(connectionId, kind);
    }

    private void shareRateLimit(Instant until) {
        shared.shareRateLimit(until);
    }

    /** Until when the Authority takes no call (its 429, here or on another replica); empty when it takes calls. */
    public Optional<Instant> authorityRateLimitedUntil() {
        return source.rateLimitedUntil(clock.millis());
    }

    /** The cached leases for the admin endpoint, sorted by connection id; no credential values. */
    public List<LeaseView> view() {
        long now = clock.millis();
        return leases.asMap().values().stream()
                .map(cached -> cached.view(now))
                .sorted(Comparator.comparing(LeaseView::connectionId))
                .toList();
    }

    private Map<LeaseState, Integer> countByState() {
        long now = clock.millis();
        Map<LeaseState, Integer> counts = new EnumMap<>(LeaseState.class);
        leases.asMap().values().forEach(cached -> counts.merge(cached.state(now), 1, Integer::sum));
        return counts;
    }

    /** Unregisters the cache's metrics. The source, the shared store and the executor belong to the caller. */
    @Override
    public void close() {
        metrics.unregister();
        LOG.log(Level.FINE, "lease cache closed");
    }

    /** Caffeine drops an entry at the credential's own expiry; the softer limits are checked on each use. */
    private final class HardExpiry implements Expiry<String, CachedLease> {
        @Override
        public long expireAfterCreate(String key, CachedLease value, long currentTime) {
            if (value.hardExpiryMillis == CachedLease.NEVER) {
                return Long.MAX_VALUE;
            }
            return Math.max(0, value.hardExpiryMillis - clock.millis()) * 1_000_000L;
        }

        @Override
        public long expireAfterUpdate(String key, CachedLease value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(String key, CachedLease value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    /** Assembles a {@link LeaseCache}; everything but the source and the registry has a default. */
    public static final class Builder {
        private final CredentialSource source;
        private SharedLeaseStore shared;
        private LeaseCacheSettings settings = LeaseCacheSettings.defaults();
        private Clock clock = Clock.systemUTC();
        private Executor executor = ForkJoinPool.commonPool();
        private final PrometheusRegistry registry;
        private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();

        private Builder(CredentialSource source, PrometheusRegistry registry) {
            this.source = Objects.requireNonNull(source, "source");
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** The L2 store shared by replicas; {@code null} (the default) keeps leases in this process only. */
        public Builder sharedStore(SharedLeaseStore store) {
            this.shared = store;
            return this;
        }

        public Builder settings(LeaseCacheSettings value) {
            this.settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        /** Time for expiry, refresh and backoff decisions (default: system UTC). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Where background refreshes start (default: the common pool; the work there only starts async calls). */
        public Builder executor(Executor value) {
            this.executor = Objects.requireNonNull(value, "executor");
            return this;
        }

        /** Source of the backoff jitter in [0, 1) (default: random); tests pin it. */
        public Builder jitter(DoubleSupplier value) {
            this.jitter = Objects.requireNonNull(value, "jitter");
            return this;
        }

        public LeaseCache build() {
            return new LeaseCache(this);
        }
    }
}
