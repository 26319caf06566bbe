package dev.nexus.server.runtime;

import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.LeaseProvider;
import dev.nexus.proxy.credentials.cache.LeaseCache;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.reconsent.ConsentStore;
import dev.nexus.proxy.credentials.reconsent.ReconsentSettings;
import dev.nexus.proxy.credentials.reconsent.ReconsentingLeases;
import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.credentials.redis.RedisLeaseStore;
import dev.nexus.proxy.credentials.redis.RedisStoreSettings;
import dev.nexus.server.admin.AdminRouter;
import dev.nexus.server.admin.ReadinessCheck;
import dev.nexus.server.admin.ReadinessChecks;
import dev.nexus.server.config.NexusConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Where credentials come from in a running proxy: the configured sources (local file, Nexus Authority,
 * OAuth 2 token endpoints; see {@link CredentialSources}), the in-process lease cache, the Redis store shared
 * with other replicas when {@code redis.url} is set, and, with {@code authority.nexus.reconsent}, the
 * {@link ReconsentingLeases} in front of the cache (its state in Redis when configured, else in the process).
 * Also serves the connections admin API ({@link ConnectionsAdmin}).
 */
final class CredentialRuntime implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CredentialRuntime.class.getName());

    private final CredentialSource source;
    private final RedisLeaseStore store;
    private final LeaseCache cache;
    /** {@code null} without {@code authority.nexus.reconsent}. */
    private final ReconsentingLeases reconsent;

    private CredentialRuntime(CredentialSource source, RedisLeaseStore store, LeaseCache cache,
                              ReconsentingLeases reconsent) {
        this.source = source;
        this.store = store;
        this.cache = cache;
        this.reconsent = reconsent;
    }

    static CredentialRuntime start(NexusConfig config, PrometheusRegistry registry, ReadinessChecks readiness,
                                   AdminRouter admin) throws IOException {
        CredentialSources.Built sources = CredentialSources.build(config.authority(), registry);
        RedisLeaseStore store = sharedStore(config.redis(), registry);
        if (store != null) {
            readiness.register("redis", () -> store.available() ? ReadinessCheck.Result.up("connected")
                    : ReadinessCheck.Result.degraded("unreachable: serving from the local cache and the Authority"));
        }
        NexusConfig.LeaseCache cacheConfig = config.authority().cache();
        LeaseCacheSettings settings = LeaseCacheSettings.defaults().toBuilder()
                .safetyMargin(cacheConfig.safetyMargin())
                .refreshAheadFraction(cacheConfig.refreshAheadFraction())
                .maxAgeWithoutExpiry(cacheConfig.maxAge())
                .negativeCacheTtl(cacheConfig.negativeTtl())
                .build();
        LeaseCache cache = LeaseCache.builder(sources.source(), registry).sharedStore(store).settings(settings).build();
        ReconsentingLeases reconsent = config.authority().nexus().reconsent()
                .map(reconsentSettings -> reconsenting(reconsentSettings, cache, sources, store, registry))
                .orElse(null);
        CredentialRuntime runtime = new CredentialRuntime(sources.source(), store, cache, reconsent);
        ConnectionsAdmin.register(admin, cache, runtime.leases(), reconsent);
        return runtime;
    }

    private static ReconsentingLeases reconsenting(ReconsentSettings settings, LeaseCache cache,
                                                   CredentialSources.Built sources, RedisLeaseStore store,
                                                   PrometheusRegistry registry) {
        // The config loader checked that every re-consented connection is served by the Authority.
        var authority = sources.authority().orElseThrow(() -> new IllegalStateException(
                "authority.nexus.reconsent is set but no connection uses the Nexus Authority"));
        ConsentStore consents = store == null ? ConsentStore.local() : store.consentStore();
        LOG.info(() -> "re-consent for connections " + settings.connections().keySet() + " in workspace "
                + settings.workspaceId() + "; consent state " + (store == null ? "in this process only" : "shared in Redis"));
        return new ReconsentingLeases(cache, authority.consent(), consents, settings, registry);
    }

    private static RedisLeaseStore sharedStore(NexusConfig.Redis redis, PrometheusRegistry registry) {
        if (redis.url().isEmpty()) {
            return null;
        }
        Map<String, String> keys = new LinkedHashMap<>();
        redis.encryptionKeys().forEach((id, key) -> keys.put(id, key.reveal()));
        LeaseCipher cipher = LeaseCipher.fromBase64(redis.activeKeyId().orElseThrow(), keys);
        RedisStoreSettings settings = RedisStoreSettings.of(redis.url().get().reveal(), cipher)
                .withCluster(redis.cluster())
                .withNamespace(redis.namespace() + "lease:");
        LOG.info(() -> "sharing leases through Redis at " + settings.redactedUrl());
        return new RedisLeaseStore(settings, registry);
    }

    /** What the data plane asks for credentials: the re-consenting wrapper when configured, else the cache. */
    LeaseProvider leases() {
        return reconsent != null ? reconsent : cache;
    }

    @Override
    public void close() {
        if (reconsent != null) {
            reconsent.close();
        }
        cache.close();
        if (store != null) {
            store.close();
        }
        source.close();
    }
}
