package dev.nexus.proxy.observe;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/** Reads single values out of a registry the way a scrape would see them. */
final class MetricValues {

    private MetricValues() {
    }

    /** Counter or gauge value (counter names without {@code _total}), or the count of a histogram. */
    static double value(PrometheusRegistry registry, String name, String... labelPairs) {
        Labels labels = Labels.of(labelPairs);
        MetricSnapshot snapshot = registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
        for (DataPointSnapshot point : snapshot.getDataPoints()) {
            if (!point.getLabels().equals(labels)) {
                continue;
            }
            if (point instanceof CounterSnapshot.CounterDataPointSnapshot counter) {
                return counter.getValue();
            }
            if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot gauge) {
                return gauge.getValue();
            }
            if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot histogram) {
                return histogram.getCount();
            }
        }
        return 0.0;
    }
}
