package dev.nexus.proxy.tls;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * Server-side {@link SslContext}s presenting a leaf for one host, cached per host so a handshake for a
 * known host does no key generation. Minting (key generation and signing) runs on a small dedicated
 * executor, never on a Netty event loop; concurrent first requests for one host share a single mint.
 * Contexts leave the cache before their leaf expires, and the cache is bounded.
 *
 * <p>Metrics: {@code nexus_tls_leaf_cache_total{result="hit|mint"}} and the
 * {@code nexus_tls_leaf_mint_seconds} histogram (mint plus context build).
 */
public final class InterceptionContexts implements AutoCloseable {

    /** Pending mints beyond this are refused rather than queued without bound. */
    private static final int MAX_QUEUED_MINTS = 1024;

    private final LeafCertificateMinter minter;
    private final TlsProvider provider;
    private final InterceptionSettings settings;
    private final ThreadPoolExecutor mintExecutor;
    private final AsyncCache<String, SslContext> contexts;
    private final CounterDataPoint hits;
    private final CounterDataPoint mints;
    private final Histogram mintSeconds;

    /**
     * @param registry where the cache metrics are registered (once per registry)
     */
    public InterceptionContexts(CertificateAuthority ca, TlsProvider provider, InterceptionSettings settings,
                                PrometheusRegistry registry) {
        this.minter = new LeafCertificateMinter(ca, settings.leafKeyType(), settings.leafValidity());
        this.provider = provider;
        this.settings = settings;
        this.mintExecutor = new ThreadPoolExecutor(settings.mintThreads(), settings.mintThreads(),
                0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED_MINTS), mintThreadFactory());
        this.contexts = Caffeine.newBuilder()
                .maximumSize(settings.maxCachedContexts())
                .expireAfterWrite(settings.cacheLifetime())
                .executor(mintExecutor)
                .buildAsync();
        Counter cacheTotal = Counter.builder()
                .name("nexus_tls_leaf_cache_total")
                .help("Leaf context lookups for intercepted TLS, by whether a leaf had to be minted")
                .labelNames("result")
                .register(registry);
        this.hits = cacheTotal.labelValues("hit");
        this.mints = cacheTotal.labelValues("mint");
        this.mintSeconds = Histogram.builder()
                .name("nexus_tls_leaf_mint_seconds")
                .help("Time to generate a leaf key, sign its certificate and build its TLS context")
                .register(registry);
    }

    /**
     * The server context presenting a leaf for {@code host} (the CONNECT host: a name or an IP literal).
     * Completes on the mint executor after a miss, immediately after a hit; completes exceptionally if
     * the host cannot be named in a certificate (no mint is attempted) or the leaf cannot be minted (the
     * failed entry is not cached, the next request tries again).
     */
    public CompletableFuture<SslContext> serverContextFor(String host) {
        String key = HostNames.normalize(host);
        CompletableFuture<SslContext> cached = contexts.getIfPresent(key);
        if (cached != null) {
            hits.inc(); // the common case: no allocation beyond normalising the host
            return cached;
        }
        try {
            HostNames.requireCertifiable(key); // only valid hosts are ever cached, so hits skip this
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        boolean[] minting = {false};
        CompletableFuture<SslContext> context;
        try {
            context = contexts.get(key, (k, executor) -> {
                minting[0] = true;
                return CompletableFuture.supplyAsync(() -> mintContext(k), executor);
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "too many leaf certificates being minted at once; refused " + key, e));
        }
        // Another caller may have started the mint between the two lookups: then this one shares it.
        (minting[0] ? mints : hits).inc();
        return context;
    }

    /** Leaves minted so far (cache misses), for tests and the admin endpoint. */
    public long mintCount() {
        return (long) mints.get();
    }

    /** Lookups served from the cache, including requests that joined a mint already in progress. */
    public long hitCount() {
        return (long) hits.get();
    }

    /** The settings this cache was built with. */
    public InterceptionSettings settings() {
        return settings;
    }

    /** Stops the mint threads; pending lookups complete exceptionally or never. */
    @Override
    public void close() {
        mintExecutor.shutdownNow();
    }

    private SslContext mintContext(String host) {
        long start = System.nanoTime();
        LeafCertificate leaf = minter.mint(host);
        try {
            SslContext context = SslContextBuilder.forServer(leaf.privateKey(), leaf.certificate(), leaf.issuer())
                    .sslProvider(provider.sslProvider())
                    .protocols(TlsDefaults.PROTOCOLS)
                    .applicationProtocolConfig(TlsDefaults.H2_AND_HTTP_1_1)
                    .build();
            mintSeconds.observe((System.nanoTime() - start) / 1e9);
            return context;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS context for the " + leaf + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    private static ThreadFactory mintThreadFactory() {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "nexus-tls-mint-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
