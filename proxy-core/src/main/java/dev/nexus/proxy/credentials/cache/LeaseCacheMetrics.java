package dev.nexus.proxy.credentials.cache;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The cache's metrics. Data points are resolved once so counting a hit is one atomic add.
 * Labels are bounded (levels, results, kinds, states): connection ids never become labels.
 */
final class LeaseCacheMetrics {

    private final PrometheusRegistry registry;
    private final List<Collector> collectors;
    final CounterDataPoint l1Hit;
    final CounterDataPoint l1Miss;
    final CounterDataPoint l2Hit;
    final CounterDataPoint l2Miss;
    final CounterDataPoint refreshAhead;
    final CounterDataPoint refreshForced;
    final CounterDataPoint refreshFailed;
    final CounterDataPoint singleflightWaits;

    LeaseCacheMetrics(PrometheusRegistry registry, Supplier<Map<LeaseState, Integer>> leasesByState, BooleanSupplier circuitOpen) {
        this.registry = registry;
        Counter requests = Counter.builder()
                .name("nexus_credential_cache_requests_total")
                .help("Lease lookups by cache level (l1 in process, l2 shared) and result")
                .labelNames("level", "result")
                .register(registry);
        l1Hit = requests.labelValues("l1", "hit");
        l1Miss = requests.labelValues("l1", "miss");
        l2Hit = requests.labelValues("l2", "hit");
        l2Miss = requests.labelValues("l2", "miss");
        Counter refreshes = Counter.builder()
                .name("nexus_credential_refreshes_total")
                .help("Lease refreshes: ahead of expiry, forced after an upstream 401, and failed ones of either kind")
                .labelNames("kind")
                .register(registry);
        refreshAhead = refreshes.labelValues("ahead");
        refreshForced = refreshes.labelValues("forced");
        refreshFailed = refreshes.labelValues("failed");
        Counter waits = Counter.builder()
                .name("nexus_credential_singleflight_waits_total")
                .help("Lookups that waited for a fetch already started by another caller or replica instead of calling the Authority")
                .register(registry);
        singleflightWaits = waits;
        GaugeWithCallback leases = GaugeWithCallback.builder()
                .name("nexus_credential_leases")
                .help("Cached leases by state")
                .labelNames("state")
                .callback(callback -> {
                    Map<LeaseState, Integer> counts = new EnumMap<>(LeaseState.class);
                    counts.putAll(leasesByState.get());
                    for (LeaseState state : LeaseState.values()) {
                        callback.call(counts.getOrDefault(state, 0), state.name().toLowerCase(Locale.ROOT));
                    }
                })
                .register(registry);
        GaugeWithCallback circuit = GaugeWithCallback.builder()
                .name("nexus_authority_circuit_open")
                .help("1 while the circuit to the credential source is open or probing, else 0")
                .callback(callback -> callback.call(circuitOpen.getAsBoolean() ? 1 : 0))
                .register(registry);
        collectors = List.of(requests, refreshes, waits, leases, circuit);
    }

    void unregister() {
        collectors.forEach(registry::unregister);
    }
}
