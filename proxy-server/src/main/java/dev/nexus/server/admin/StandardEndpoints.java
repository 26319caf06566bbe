package dev.nexus.server.admin;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;

/**
 * The endpoints every proxy has: {@code /healthz} (the process is alive), {@code /readyz} (every
 * readiness check passes) and {@code /metrics}. The probes are open, because kubelets carry no
 * token; {@code /metrics} is open to loopback callers and needs the admin token from anywhere else.
 */
public final class StandardEndpoints {

    private StandardEndpoints() {
    }

    public static void register(AdminRouter router, ReadinessChecks readiness, PrometheusRegistry registry) {
        MetricsEndpoint metrics = new MetricsEndpoint(registry);
        router.add(AdminRoute.get("/healthz", request -> AdminResponse.json(200, Map.of("status", "ok"))).open());
        router.add(AdminRoute.get("/readyz", request -> {
            ReadinessChecks.Report report = readiness.evaluate();
            return AdminResponse.json(report.ready() ? 200 : 503, report);
        }).open());
        router.add(AdminRoute.get("/metrics", metrics::scrape).openOnLoopback());
    }
}
