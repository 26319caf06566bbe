package dev.nexus.server.runtime;

import dev.nexus.proxy.observe.AccessLog;
import dev.nexus.proxy.observe.ProxyMetrics;
import dev.nexus.server.admin.AdminRouter;
import dev.nexus.server.admin.ReadinessChecks;
import dev.nexus.server.config.NexusConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Everything the server prepares for the data plane before starting it.
 *
 * @param config      the validated configuration
 * @param registry    where every component registers its metrics (scraped by {@code /metrics})
 * @param metrics     the data plane's request/connection metrics, already registered
 * @param accessLog   the access log per {@code access_log} ({@link AccessLog#DISABLED} when off); closed by the server
 * @param readiness   register checks such as "listeners bound", "policy loaded", "redis" here
 * @param adminRouter register admin routes such as {@code GET /admin/connections} here
 */
public record RuntimeContext(NexusConfig config, PrometheusRegistry registry, ProxyMetrics metrics, AccessLog accessLog,
                             ReadinessChecks readiness, AdminRouter adminRouter) {
}
