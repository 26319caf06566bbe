package dev.nexus.server.runtime;

import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.SharedLeaseStore;
import dev.nexus.proxy.credentials.cache.LeaseCache;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.cache.LeaseView;
import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.credentials.redis.RedisLeaseStore;
import dev.nexus.proxy.credentials.redis.RedisStoreSettings;
import dev.nexus.server.admin.AdminResponse;
import dev.nexus.server.admin.AdminRoute;
import dev.nexus.server.admin.AdminRouter;
import dev.nexus.server.admin.ReadinessCheck;
import dev.nexus.server.admin.ReadinessChecks;
import dev.nexus.server.config.NexusConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Where credentials come from in a running proxy: the configured sources (local file, Nexus Authority,
 * OAuth 2 token endpoints; see {@link CredentialSources}), the in-process lease cache, and the Redis store shared with other replicas when
 * {@code redis.url} is set. Also serves {@code /admin/connections}.
 */
final class CredentialRuntime implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CredentialRuntime.class.getName());

    private final CredentialSource source;
    private final SharedLeaseStore store;
    private final LeaseCache cache;

    private CredentialRuntime(CredentialSource source, SharedLeaseStore store, LeaseCache cache) {
        this.source = source;
        this.store = store;
        this.cache = cache;
    }

    static CredentialRuntime start(NexusConfig config, PrometheusRegistry registry, ReadinessChecks readiness,
                                   AdminRouter admin) throws IOException {
        CredentialSource source = CredentialSources.build(config.authority(), registry);
        SharedLeaseStore store = sharedStore(config.redis(), registry);
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
        LeaseCache cache = LeaseCache.builder(source, registry).sharedStore(store).settings(settings).build();
        CredentialRuntime runtime = new CredentialRuntime(source, store, cache);
        admin.add(AdminRoute.get("/admin/connections", request -> AdminResponse.json(200,
                Map.of("connections", cache.view().stream().map(CredentialRuntime::describe).toList()))));
        admin.add(AdminRoute.post("/admin/connections/{id}/invalidate", request -> {
            String id = request.pathParameter("id");
            cache.invalidate(id);
            return CompletableFuture.completedFuture(AdminResponse.json(200, Map.of("invalidated", id)));
        }));
        return runtime;
    }

    private static SharedLeaseStore sharedStore(NexusConfig.Redis redis, PrometheusRegistry registry) {
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

    /** One cached lease for {@code /admin/connections}: state and timing, never a credential. */
    private static Map<String, Object> describe(LeaseView view) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("connection", view.connectionId());
        fields.put("state", view.state().name().toLowerCase(java.util.Locale.ROOT));
        fields.put("strategy", view.strategyType());
        fields.put("fetched_at", String.valueOf(view.fetchedAt()));
        fields.put("expires_at", String.valueOf(view.expiresAt()));
        fields.put("refresh_at", String.valueOf(view.refreshAt()));
        fields.put("last_used_at", String.valueOf(view.lastUsedAt()));
        return fields;
    }

    LeaseCache leases() {
        return cache;
    }

    @Override
    public void close() {
        cache.close();
        if (store != null) {
            store.close();
        }
        source.close();
    }
}
