package dev.nexus.server.admin;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy ships {@code prometheus.properties}: exemplars are off for every metric, including those registered
 * without {@code withoutExemplars()}, because sampling them costs each counted request and there is no tracer.
 */
class MetricsDefaultsTest {

    @Test
    void exemplarsAreOffForEveryMetricByDefault() {
        assertThat(PrometheusProperties.get().getDefaultMetricProperties().getExemplarsEnabled()).isFalse();
        Counter counter = Counter.builder().name("defaults_test_total").help("a counter built without options").build();
        counter.inc();
        assertThat(counter.collect().getDataPoints().get(0).getExemplar()).isNull();
    }
}
