package dev.nexus.proxy.credentials.nexus;

import dev.nexus.proxy.credentials.CredentialException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Authority call counts by call and outcome, and their latency. Labels are bounded: no connection ids.
 */
final class AuthorityMetrics {

    static final String OK = "ok";

    private final PrometheusRegistry registry;
    private final Counter calls;
    private final Histogram duration;

    AuthorityMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        calls = Counter.builder()
                .name("nexus_authority_calls_total")
                .help("Calls to the Nexus Authority by call (token, refresh) and outcome")
                .labelNames("call", "outcome")
                .register(registry);
        duration = Histogram.builder()
                .name("nexus_authority_call_duration_seconds")
                .help("Time from sending an Authority call to its complete answer (or failure)")
                .unit(Unit.SECONDS)
                .labelNames("call")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        for (String call : new String[]{"token", "refresh"}) {
            calls.initLabelValues(call, OK);
            for (CredentialException.Kind kind : CredentialException.Kind.values()) {
                calls.initLabelValues(call, outcome(kind));
            }
            duration.initLabelValues(call);
        }
    }

    void record(String call, String outcome, long startNanos) {
        calls.labelValues(call, outcome).inc();
        duration.labelValues(call).observe(Unit.nanosToSeconds(System.nanoTime() - startNanos));
    }

    void unregister() {
        registry.unregister(calls);
        registry.unregister(duration);
    }

    static String outcome(CredentialException.Kind kind) {
        return switch (kind) {
            case REVOKED -> "revoked";
            case NOT_FOUND -> "not_found";
            case ATTENTION_REQUIRED -> "attention_required";
            case INVALID_CONNECTION -> "invalid";
            case AUTHORITY_UNAUTHORIZED -> "unauthorized";
            case UNAVAILABLE -> "unavailable";
            case REFUSED -> "refused";
            case RATE_LIMITED -> "rate_limited";
        };
    }
}
