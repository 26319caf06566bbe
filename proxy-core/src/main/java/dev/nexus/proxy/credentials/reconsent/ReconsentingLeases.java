package dev.nexus.proxy.credentials.reconsent;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.LeaseProvider;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Re-consent a human can act on, in front of the lease cache. When a configured connection needs attention,
 * the proxy starts a new consent itself ({@code POST /v1/request-connection}, once across replicas), hands its
 * {@code auth_url} to every agent that hits the connection (409 {@code attention_required} with
 * {@code consent_url}), polls {@code GET /v1/check-connection/{new id}} with backoff, and once that is
 * {@code active} serves the route's connection from the new id: the switch is kept in the {@link ConsentStore}
 * (Redis: every replica, across restarts) and logged. Connections not in {@link ReconsentSettings} pass through.
 * Gauge {@code nexus_connection_attention{connection}} is 1 while a connection waits for a human.
 */
public final class ReconsentingLeases implements LeaseProvider {

    private static final Logger LOG = Logger.getLogger(ReconsentingLeases.class.getName());
    /** How long an agent's request waits for another replica's consent link before it is answered without one. */
    private static final Duration LINK_WAIT = Duration.ofSeconds(3);
    private static final Duration LINK_POLL = Duration.ofMillis(100);

    /** One consent this proxy knows of, for the admin API. */
    public record ConsentView(String connectionId, String newConnectionId, String consentUrl, Instant since) {
    }

    private final LeaseProvider leases;
    private final ConsentAuthority authority;
    private final ConsentStore store;
    private final ReconsentSettings settings;
    private final Clock clock;
    private final PrometheusRegistry registry;
    private final Gauge attention;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "nexus-reconsent");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, CompletableFuture<String>> switches = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ConsentView>> consents = new ConcurrentHashMap<>();

    public ReconsentingLeases(LeaseProvider leases, ConsentAuthority authority, ConsentStore store,
                              ReconsentSettings settings, PrometheusRegistry registry) {
        this.leases = leases;
        this.authority = authority;
        this.store = store;
        this.settings = settings;
        this.clock = Clock.systemUTC();
        this.registry = registry;
        this.attention = Gauge.builder().name("nexus_connection_attention")
                .help("1 while a connection needs a human to re-consent (its consent link is in /admin/connections)")
                .labelNames("connection").register(registry);
    }

    @Override
    public CompletableFuture<Lease> lease(String connectionId) {
        return current(connectionId).thenCompose(effective -> leases.lease(effective)
                .exceptionallyCompose(failure -> onFailure(connectionId, effective, failure)));
    }

    @Override
    public CompletableFuture<Lease> refreshAfterRejection(String connectionId, Lease rejected) {
        return current(connectionId).thenCompose(effective -> leases.refreshAfterRejection(effective, rejected)
                .exceptionallyCompose(failure -> onFailure(connectionId, effective, failure)));
    }

    @Override
    public void invalidate(String connectionId) {
        current(connectionId).thenAccept(leases::invalidate);
    }

    /** Connections waiting for a human, with their consent link, sorted by connection id. */
    public List<ConsentView> pending() {
        return consents.values().stream().filter(c -> c.isDone() && !c.isCompletedExceptionally())
                .map(CompletableFuture::join).sorted(Comparator.comparing(ConsentView::connectionId)).toList();
    }

    /** The connection id that serves {@code connectionId} now (itself unless a re-consent replaced it). */
    public CompletableFuture<String> current(String connectionId) {
        if (!settings.connections().containsKey(connectionId)) {
            return CompletableFuture.completedFuture(connectionId);
        }
        return switches.computeIfAbsent(connectionId, id -> store.switchedTo(id).thenApply(found -> found.orElse(id)));
    }

    private CompletableFuture<Lease> onFailure(String connectionId, String effective, Throwable failure) {
        Throwable cause = failure.getCause() != null && !(failure instanceof CredentialException) ? failure.getCause() : failure;
        ReconsentSettings.Provider provider = settings.connections().get(connectionId);
        if (!(cause instanceof CredentialException credential) || credential.kind() != Kind.ATTENTION_REQUIRED
                || provider == null) {
            return CompletableFuture.failedFuture(cause);
        }
        // Another replica may have completed the consent already: then the switch is in the store.
        return store.switchedTo(connectionId).thenCompose(switched -> {
            if (switched.isPresent() && !switched.get().equals(effective)) {
                adoptSwitch(connectionId, switched.get(), false);
                return leases.lease(switched.get());
            }
            return consent(connectionId, provider)
                    .handle((view, error) -> view == null ? credential : credential.withConsentUrl(view.consentUrl()))
                    .thenCompose(CompletableFuture::failedFuture);
        });
    }

    /** The one consent for the connection: joined if known here, read from the store, or started (once). */
    private CompletableFuture<ConsentView> consent(String connectionId, ReconsentSettings.Provider provider) {
        CompletableFuture<ConsentView> known = consents.computeIfAbsent(connectionId, id -> store.pending(id)
                .thenCompose(pending -> pending.isPresent() ? CompletableFuture.completedFuture(parse(id, pending.get()))
                        : store.claim(id, LINK_WAIT.multipliedBy(10)).thenCompose(won -> won ? start(id, provider)
                        : awaitOtherReplica(id, clock.instant().plus(LINK_WAIT))))
                .thenApply(view -> {
                    attention.labelValues(id).set(1);
                    poll(view, settings.pollInitial(), clock.instant().plus(settings.pollFor()));
                    return view;
                }));
        known.whenComplete((view, error) -> {
            if (error != null) {
                consents.remove(connectionId, known); // the next agent request tries again
            }
        });
        return known;
    }

    private CompletableFuture<ConsentView> start(String connectionId, ReconsentSettings.Provider provider) {
        return authority.requestConnection(settings.workspaceId(), provider.providerId(), provider.scopes(), settings.returnUrl())
                .thenCompose(started -> {
                    LOG.info(() -> "connection " + connectionId + " needs attention: started a new consent for provider "
                            + provider.providerId() + " (new connection " + started.newConnectionId()
                            + "); the link is in /admin/connections and in the agents' 409 answers");
                    String record = started.newConnectionId() + " " + started.authUrl();
                    return store.savePending(connectionId, record, settings.pollFor()).thenApply(saved -> parse(connectionId, record));
                });
    }

    /** Another replica holds the claim: its record appears shortly (bounded, polled on the scheduler). */
    private CompletableFuture<ConsentView> awaitOtherReplica(String connectionId, Instant deadline) {
        return store.pending(connectionId).thenCompose(found -> {
            if (found.isPresent()) {
                return CompletableFuture.completedFuture(parse(connectionId, found.get()));
            }
            if (clock.instant().isAfter(deadline)) {
                return CompletableFuture.failedFuture(new IllegalStateException("no consent link yet"));
            }
            CompletableFuture<ConsentView> later = new CompletableFuture<>();
            scheduler.schedule(() -> awaitOtherReplica(connectionId, deadline).whenComplete((view, error) -> {
                if (error != null) {
                    later.completeExceptionally(error);
                } else {
                    later.complete(view);
                }
            }), LINK_POLL.toMillis(), TimeUnit.MILLISECONDS);
            return later;
        });
    }

    private ConsentView parse(String connectionId, String record) {
        int space = record.indexOf(' ');
        return new ConsentView(connectionId, record.substring(0, space), record.substring(space + 1), clock.instant());
    }

    /** Polls the new connection with doubling delays until it is active, failed, or the consent is given up. */
    private void poll(ConsentView consent, Duration delay, Instant giveUpAt) {
        scheduler.schedule(() -> authority.checkConnection(consent.newConnectionId()).whenComplete((status, error) -> {
            if ("active".equals(status)) {
                store.saveSwitch(consent.connectionId(), consent.newConnectionId())
                        .thenRun(() -> adoptSwitch(consent.connectionId(), consent.newConnectionId(), true));
            } else if ("failed".equals(status) || clock.instant().isAfter(giveUpAt)) {
                LOG.warning(() -> "the consent for connection " + consent.connectionId() + " (new connection "
                        + consent.newConnectionId() + ") " + ("failed".equals(status) ? "failed" : "was not completed in time")
                        + "; the next request starts a new one");
                consents.remove(consent.connectionId());
            } else {
                Duration next = delay.multipliedBy(2);
                poll(consent, next.compareTo(settings.pollMax()) > 0 ? settings.pollMax() : next, giveUpAt);
            }
        }), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void adoptSwitch(String connectionId, String newConnectionId, boolean completedHere) {
        switches.put(connectionId, CompletableFuture.completedFuture(newConnectionId));
        consents.remove(connectionId);
        attention.labelValues(connectionId).set(0);
        LOG.info(() -> "connection " + connectionId + " is now served by connection " + newConnectionId
                + (completedHere ? " (re-consent completed)" : " (re-consent completed on another replica)"));
    }

    /** Switched connections for the admin API: original id to the id that serves it now. */
    public Map<String, String> switched() {
        Map<String, String> out = new java.util.TreeMap<>();
        switches.forEach((id, future) -> {
            String now = future.getNow(id);
            if (!now.equals(id)) {
                out.put(id, now);
            }
        });
        return out;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        registry.unregister(attention);
    }
}
