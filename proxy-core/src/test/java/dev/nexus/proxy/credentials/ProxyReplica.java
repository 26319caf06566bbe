package dev.nexus.proxy.credentials;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.proxy.credentials.cache.LeaseCache;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.cache.LeaseView;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySource;
import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.credentials.redis.RedisLeaseStore;
import dev.nexus.proxy.credentials.redis.RedisStoreSettings;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestAuthority;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One proxy replica wired as in production: the real {@link NexusAuthoritySource} talking to a
 * {@link TestAuthority}, a real {@link LeaseCache}, optionally a real {@link RedisLeaseStore} as L2,
 * and the real proxy in front, with the JDK HttpClient as the agent. The route is taken from the
 * request path: {@code /<connection>/...} injects the credentials of connection {@code <connection>}
 * on route {@code route-<connection>}. Every response the agent sees is kept for the secrets check.
 */
final class ProxyReplica implements AutoCloseable {

    /** How long one agent request may take before the test fails instead of hanging. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(20);
    /**
     * Redis command timeout: long enough that a busy 2-core machine does not turn a healthy command into a
     * timeout (which, by design, lets the replica call the Authority itself and would spoil call counts).
     */
    private static final Duration REDIS_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** The Authority client's timeouts: together they bound one Authority call. */
    private static final Duration AUTHORITY_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration AUTHORITY_RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a replica that lost the fetch lock waits for the winner's lease: as long as the winner's
     * Authority call may take. With the default (3 s) a busy machine slowing the winner's 300 ms call sends
     * the loser to the Authority as well (the fallback that, by design, keeps requests moving but spoils call
     * counts); a winner that never publishes still shows up as a second call.
     */
    private static final Duration PUBLICATION_WAIT = AUTHORITY_CONNECT_TIMEOUT.plus(AUTHORITY_RESPONSE_TIMEOUT);
    /** The winner holds the fetch lock through its Authority call and the publication in Redis. */
    private static final Duration FETCH_LOCK_HOLD = PUBLICATION_WAIT.plus(REDIS_COMMAND_TIMEOUT);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final NexusAuthoritySource source;
    private final RedisLeaseStore store;
    private final LeaseCache cache;
    private final LeaseProvider leases;
    private final ProxyHarness proxy;
    private final List<String> agentSaw;

    private ProxyReplica(Builder builder) throws InterruptedException {
        source = new NexusAuthoritySource(NexusAuthoritySettings.of(builder.authority.baseUri(), builder.apiKey)
                .withTimeouts(AUTHORITY_CONNECT_TIMEOUT, AUTHORITY_RESPONSE_TIMEOUT), registry, builder.clock);
        store = builder.redisUrl == null ? null : new RedisLeaseStore(
                RedisStoreSettings.of(builder.redisUrl, builder.cipher).withNamespace(builder.namespace)
                        .withCommandTimeout(REDIS_COMMAND_TIMEOUT), registry);
        cache = LeaseCache.builder(source, registry)
                .settings(store == null ? builder.settings
                        : builder.settings.toBuilder().shared(FETCH_LOCK_HOLD, PUBLICATION_WAIT).build())
                .clock(builder.clock)
                .sharedStore(store == null ? null : builder.storeView.apply(store))
                .jitter(() -> 0.5)
                .build();
        leases = builder.leases.apply(this);
        proxy = ProxyHarness.builder().policy(builder.policy).injector(new CredentialInjector(leases)).tls(builder.tls)
                .agents(builder.agents).start();
        agentSaw = builder.agentSaw;
    }

    static Builder builder(TestAuthority authority, String apiKey, List<String> agentSaw) {
        return new Builder(authority, apiKey, agentSaw);
    }

    /** The first path segment names the connection (shared with the other end-to-end credential tests). */
    static PolicyDecider routeByPath() {
        return request -> {
            String connection = request.path().split("/")[1];
            return new Decision.Inject("route-" + connection, "test route for " + connection,
                    RouteOptions.PASS_THROUGH, address -> true, connection, null);
        };
    }

    /** GET {@code url} through this replica, waiting at most {@link #REQUEST_DEADLINE}. */
    HttpResponse<String> get(String url) throws Exception {
        return getAsync(url).get(REQUEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    CompletableFuture<HttpResponse<String>> getAsync(String url) {
        return sendAsync(HttpRequest.newBuilder(URI.create(url)));
    }

    /** Sends {@code request} through this replica, waiting at most {@link #REQUEST_DEADLINE}. */
    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return sendAsync(request).get(REQUEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder builder) {
        HttpRequest request = builder.timeout(REQUEST_DEADLINE).build();
        return proxy.client().sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            agentSaw.add(response.statusCode() + " " + response.headers().map() + " " + response.body());
            return response;
        });
    }

    LeaseCache cache() {
        return cache;
    }

    /** The replica's proxy listener and its open streams. */
    ProxyHarness proxy() {
        return proxy;
    }

    LeaseProvider leases() {
        return leases;
    }

    /** {@code http://127.0.0.1:PORT} of this replica's proxy, for {@code curl -x}. */
    String proxyUrl() {
        return proxy.proxyUrl();
    }

    PrometheusRegistry registry() {
        return registry;
    }

    /** The replica's Authority client (also its consent client). */
    NexusAuthoritySource source() {
        return source;
    }

    /** The L2 store, or null for a replica without Redis. */
    RedisLeaseStore store() {
        return store;
    }

    boolean holdsLease(String connectionId) {
        return cache.view().stream().map(LeaseView::connectionId).anyMatch(connectionId::equals);
    }

    @Override
    public void close() {
        proxy.close();
        if (leases != cache) {
            leases.close();
        }
        cache.close();
        if (store != null) {
            store.close();
        }
        source.close();
    }

    /** What differs between the tests' replicas. */
    static final class Builder {
        private final TestAuthority authority;
        private final String apiKey;
        private final List<String> agentSaw;
        private LeaseCacheSettings settings = LeaseCacheSettings.defaults();
        private Clock clock = Clock.systemUTC();
        private String redisUrl;
        private LeaseCipher cipher;
        private String namespace;
        private UnaryOperator<SharedLeaseStore> storeView = UnaryOperator.identity();
        private PolicyDecider policy = routeByPath();
        private TlsComponents tls;
        private AgentServices agents = AgentServices.none();
        private Function<ProxyReplica, LeaseProvider> leases = ProxyReplica::cache;

        private Builder(TestAuthority authority, String apiKey, List<String> agentSaw) {
            this.authority = authority;
            this.apiKey = apiKey;
            this.agentSaw = agentSaw;
        }

        Builder settings(LeaseCacheSettings value) {
            settings = value;
            return this;
        }

        /** Drives the cache's and the Authority client's notion of time. */
        Builder clock(Clock value) {
            clock = value;
            return this;
        }

        /** Shares leases through Redis at {@code url}, under {@code namespace}, sealed with {@code key}. */
        Builder redis(String url, String namespace, LeaseCipher key) {
            this.redisUrl = url;
            this.namespace = namespace;
            this.cipher = key;
            return this;
        }

        /** What the cache sees of the Redis store, e.g. a {@link ForwardingLeaseStore} holding some calls back. */
        Builder storeView(UnaryOperator<SharedLeaseStore> value) {
            storeView = value;
            return this;
        }

        /** The policy (default {@link #routeByPath()}). */
        Builder policy(PolicyDecider value) {
            policy = value;
            return this;
        }

        /** TLS interception and upstream trust (default: none). */
        Builder tls(TlsComponents value) {
            tls = value;
            return this;
        }

        /** Identity and the audit trail (default: none). */
        Builder agents(AgentServices value) {
            agents = value;
            return this;
        }

        /** What the data plane asks for leases, built over the replica's cache (e.g. re-consent in front of it). */
        Builder leases(Function<ProxyReplica, LeaseProvider> value) {
            leases = value;
            return this;
        }

        ProxyReplica start() throws InterruptedException {
            return new ProxyReplica(this);
        }
    }

    /** Keeps {@link CopyOnWriteArrayList} out of the tests: a thread-safe transcript of agent-visible responses. */
    static List<String> transcript() {
        return new CopyOnWriteArrayList<>();
    }
}
