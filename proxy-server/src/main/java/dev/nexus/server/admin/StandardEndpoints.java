package dev.nexus.server.admin;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The endpoints every proxy has: {@code /healthz} (the process has started: listeners bound, policy
 * and TLS material loaded; it stays 200 while a shutdown drains), {@code /readyz} (every readiness
 * check passes) and {@code /metrics}. The probes are open, because kubelets carry no
 * token; {@code /metrics} is open to loopback callers and needs the admin token from anywhere else.
 */
public final class StandardEndpoints {

    private StandardEndpoints() {
    }

    /** @param started whether the start completed (503 {@code starting} on {@code /healthz} until then) */
    public static void register(AdminRouter router, ReadinessChecks readiness, PrometheusRegistry registry,
                                BooleanSupplier started) {
        MetricsEndpoint metrics = new MetricsEndpoint(registry);
        router.add(AdminRoute.get("/healthz", request -> started.getAsBoolean()
                ? AdminResponse.json(200, Map.of("status", "ok"))
                : AdminResponse.json(503, Map.of("status", "starting"))).open());
        router.add(AdminRoute.get("/readyz", request -> {
            ReadinessChecks.Report report = readiness.evaluate();
            return AdminResponse.json(report.ready() ? 200 : 503, report);
        }).open());
        router.add(AdminRoute.get("/metrics", metrics::scrape).openOnLoopback());
    }
}
