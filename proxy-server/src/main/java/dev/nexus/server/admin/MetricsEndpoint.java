package dev.nexus.server.admin;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code GET /metrics}: the registry in the exposition format the scraper asks for in {@code Accept}
 * (OpenMetrics when asked, Prometheus text 0.0.4 otherwise).
 */
final class MetricsEndpoint {

    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();

    MetricsEndpoint(PrometheusRegistry registry) {
        this.registry = registry;
    }

    AdminResponse scrape(AdminRequest request) {
        ExpositionFormatWriter writer = formats.findWriter(request.accept());
        if (!writer.isAvailable()) {
            // The protobuf format needs an optional library this build does not ship.
            writer = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(body, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new AdminResponse(200, writer.getContentType(), body.toByteArray());
    }
}
