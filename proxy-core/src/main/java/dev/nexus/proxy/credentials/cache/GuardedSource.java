package dev.nexus.proxy.credentials.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every call to the credential source goes through here, which decides whether to call at all and
 * learns from each answer:
 * <ul>
 *   <li>"unavailable" answers feed the {@link CircuitBreaker} of the backend serving the connection
 *       ({@link CredentialSource#backendFor}: the Authority, one token endpoint, ...) and the per-connection
 *       {@link RetryBackoff}; while either refuses, calls fail fast without touching the source;</li>
 *   <li>terminal and configuration answers (revoked, not found, attention required, invalid id, proxy
 *       unauthorized) are remembered for the negative-cache TTL and answered from memory meanwhile;
 *       terminal ones are also reported to {@code onTerminal} so the lease is dropped everywhere;</li>
 *   <li>a lease that has already expired when it arrives counts as unavailable (it could never be used);</li>
 *   <li>a 429 sets a source-wide deadline (the Authority limits per workspace, not per connection): no call
 *       at all before it passes, on this replica and, through {@code onRateLimited}, on the others.</li>
 * </ul>
 */
final class GuardedSource {

    private static final Logger LOG = Logger.getLogger(GuardedSource.class.getName());

    private final CredentialSource source;
    private final Clock clock;
    private final BiConsumer<String, Kind> onTerminal;
    private final LeaseCacheSettings settings;
    private final Map<CredentialSource, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final RetryBackoff backoff;
    private final Cache<String, CredentialException> remembered;
    private final Consumer<Instant> onRateLimited;
    private volatile long rateLimitedUntilMillis;

    GuardedSource(CredentialSource source, LeaseCacheSettings settings, Clock clock, Ticker ticker,
                  DoubleSupplier jitter, BiConsumer<String, Kind> onTerminal, Consumer<Instant> onRateLimited) {
        this.source = source;
        this.clock = clock;
        this.onTerminal = onTerminal;
        this.settings = settings;
        this.onRateLimited = onRateLimited;
        this.backoff = new RetryBackoff(settings.backoffInitial().toMillis(), settings.backoffMax().toMillis(), jitter);
        this.remembered = Caffeine.newBuilder()
                .expireAfterWrite(settings.negativeCacheTtl())
                .maximumSize(settings.maximumLeases())
                .ticker(ticker)
                .executor(Runnable::run)
                .build();
    }

    /** The remembered terminal or configuration failure for the connection, or {@code null}. */
    CredentialException remembered(String connectionId) {
        return remembered.getIfPresent(connectionId);
    }

    /** Forgets what was learnt about the connection, e.g. because its credentials changed at the source. */
    void forget(String connectionId) {
        remembered.invalidate(connectionId);
        backoff.onSuccess(connectionId);
    }

    private CircuitBreaker breaker(String connectionId) {
        CredentialSource backend = source.backendFor(connectionId);
        return breakers.computeIfAbsent(backend == null ? source : backend, key -> new CircuitBreaker(
                "credential source " + key, settings.breakerFailureThreshold(), settings.breakerCoolDown().toMillis(), clock));
    }

    /** Another replica learnt a terminal answer for the connection: answer it from memory here too. */
    void rememberRemote(String connectionId, Kind kind) {
        remembered.put(connectionId, new CredentialException(kind, connectionId, "reported by another replica"));
    }

    /** The Authority takes no call before {@code until} (a 429 here or on another replica). */
    void rateLimitedUntil(Instant until) {
        long millis = until.toEpochMilli();
        if (millis > rateLimitedUntilMillis) {
            rateLimitedUntilMillis = millis;
        }
    }

    Optional<Instant> rateLimitedUntil(long nowMillis) {
        long until = rateLimitedUntilMillis;
        return nowMillis < until ? Optional.of(Instant.ofEpochMilli(until)) : Optional.empty();
    }

    /** Whether the Authority's rate limit holds the connection now: only connections its backend serves. */
    private boolean rateLimited(String connectionId, long nowMillis) {
        if (nowMillis >= rateLimitedUntilMillis) {
            return false;
        }
        CredentialSource backend = source.backendFor(connectionId);
        return backend != null && backend.sharesRateLimit();
    }

    /** Whether a call for the connection would be refused right now (rate limited, circuit open or connection backing off). */
    boolean refusing(String connectionId, long nowMillis) {
        return rateLimited(connectionId, nowMillis) || breaker(connectionId).refusing()
                || backoff.blocked(connectionId, nowMillis);
    }

    /** The failure a refused call gets, saying until when. */
    CredentialException refusal(String connectionId) {
        if (rateLimited(connectionId, clock.millis())) {
            return CredentialException.rateLimited(connectionId, Instant.ofEpochMilli(rateLimitedUntilMillis),
                    "the Authority's rate limit was reached");
        }
        CircuitBreaker breaker = breaker(connectionId);
        if (breaker.refusing()) {
            return new CredentialException(Kind.UNAVAILABLE, connectionId, "the Authority is unavailable ("
                    + breaker.consecutiveFailures() + " failed calls in a row; circuit open until " + breaker.retryAt() + ")");
        }
        return new CredentialException(Kind.UNAVAILABLE, connectionId,
                "the Authority is unavailable (next attempt for this connection after " + backoff.retryAt(connectionId) + ")");
    }

    /** Whether the circuit to any backend is open. */
    boolean circuitOpen() {
        return breakers.values().stream().anyMatch(CircuitBreaker::open);
    }

    /** Calls the source (refresh or fetch) unless refused; the future fails with a {@link CredentialException}. */
    CompletableFuture<Lease> call(String connectionId, boolean refresh) {
        CredentialException known = remembered(connectionId);
        if (known != null) {
            return CompletableFuture.failedFuture(known);
        }
        CircuitBreaker breaker = breaker(connectionId);
        long now = clock.millis();
        if (rateLimited(connectionId, now) || backoff.blocked(connectionId, now) || !breaker.tryAcquire()) {
            return CompletableFuture.failedFuture(refusal(connectionId));
        }
        CompletableFuture<Lease> call;
        try {
            call = refresh ? source.refresh(connectionId) : source.fetch(connectionId);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((lease, error) -> {
            CredentialException failure = error == null ? expiredOnArrival(lease) : credentialFailure(error, connectionId);
            if (failure == null) {
                breaker.onSuccess();
                backoff.onSuccess(connectionId);
                return lease;
            }
            learn(connectionId, breaker, failure, error == null);
            throw new CompletionException(failure);
        });
    }

    private void learn(String connectionId, CircuitBreaker breaker, CredentialException failure, boolean sourceAnswered) {
        if (failure.kind() == Kind.RATE_LIMITED) {
            breaker.onSuccess();
            rateLimitedUntil(failure.retryAt());
            LOG.warning(failure.getMessage());
            onRateLimited.accept(failure.retryAt());
            return;
        }
        if (failure.kind() == Kind.UNAVAILABLE) {
            if (sourceAnswered) {
                breaker.onSuccess();
            } else {
                breaker.onUnavailable();
            }
            backoff.onFailure(connectionId, clock.millis());
            LOG.log(Level.WARNING, failure.getMessage());
            return;
        }
        breaker.onSuccess();
        backoff.onSuccess(connectionId);
        remembered.put(connectionId, failure);
        if (failure.kind().terminal()) {
            LOG.info(() -> failure.getMessage() + "; lease dropped, the Authority is not asked again for this connection"
                    + " until the negative cache expires");
            onTerminal.accept(connectionId, failure.kind());
        } else {
            LOG.warning(failure.getMessage());
        }
    }

    private CredentialException expiredOnArrival(Lease lease) {
        if (lease.expiresAt() == null || lease.expiresAt().toEpochMilli() > clock.millis()) {
            return null;
        }
        return new CredentialException(Kind.UNAVAILABLE, lease.connectionId(), "the credentials handed out had already expired at "
                + lease.expiresAt() + " (is a clock wrong?)");
    }

    /** The failure inside a {@link CompletionException}, or the failure itself. */
    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static CredentialException credentialFailure(Throwable error, String connectionId) {
        Throwable cause = unwrap(error);
        if (cause instanceof CredentialException e) {
            return e;
        }
        // A source that broke its contract: its message could hold anything, so name only the type.
        return new CredentialException(Kind.UNAVAILABLE, connectionId,
                "the credential source failed unexpectedly (" + cause.getClass().getName() + ")");
    }
}
