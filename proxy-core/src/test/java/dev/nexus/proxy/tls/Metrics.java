package dev.nexus.proxy.tls;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/** Reads metric values from a registry the way a scrape would see them. */
final class Metrics {

    private Metrics() {
    }

    /** The value of counter {@code name} (without {@code _total}) with {@code label=value}, 0 if absent. */
    static double counter(PrometheusRegistry registry, String name, String label, String value) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot instanceof CounterSnapshot counter && counter.getMetadata().getName().equals(name)) {
                return counter.getDataPoints().stream()
                        .filter(p -> value.equals(p.getLabels().get(label)))
                        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                        .sum();
            }
        }
        return 0;
    }

    /** The observation count of histogram {@code name}, 0 if absent. */
    static long histogramCount(PrometheusRegistry registry, String name) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot instanceof HistogramSnapshot histogram && histogram.getMetadata().getName().equals(name)) {
                return histogram.getDataPoints().stream()
                        .mapToLong(HistogramSnapshot.HistogramDataPointSnapshot::getCount)
                        .sum();
            }
        }
        return 0;
    }
}
