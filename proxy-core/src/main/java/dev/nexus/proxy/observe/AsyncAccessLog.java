package dev.nexus.proxy.observe;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;

/**
 * The access log: one line per exchange, written by a {@link QueuedLog}, so a slow disk or a blocked stdout
 * pipe slows nothing but the log itself. Drops are counted in {@code nexus_access_log_dropped_total}.
 */
public final class AsyncAccessLog extends QueuedLog<ExchangeRecord> implements AccessLog {

    private static final Spec<ExchangeRecord> SPEC = new Spec<>("access log", "lines", "nexus_access_log_dropped_total",
            "Access log lines dropped because the log's queue was full (the sink is too slow).",
            AccessLogFormatter::format);
    private static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

    /**
     * Starts the writer thread.
     *
     * @param sink         where lines go; written only from the writer thread
     * @param capacity     entries held while the sink is busy before new ones are dropped
     * @param closeTimeout how long {@link #close()} waits for queued entries to be written
     * @param registry     receives {@code nexus_access_log_dropped_total}
     */
    public AsyncAccessLog(LineSink sink, int capacity, Duration closeTimeout, PrometheusRegistry registry) {
        super(SPEC, sink, capacity, closeTimeout, registry, WARNING_INTERVAL);
    }

    @Override
    public void log(ExchangeRecord entry) {
        offer(entry);
    }
}
