package dev.nexus.proxy.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;

/**
 * The access log: entries go into a bounded queue and one daemon thread formats and writes them
 * ({@link AsyncLineWriter}). When the sink falls behind and the queue is full the entry is dropped and
 * counted in {@code nexus_access_log_dropped_total}, so a slow disk or a blocked stdout pipe slows
 * nothing but the log itself.
 */
public final class AsyncAccessLog implements AccessLog {

    private static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

    private final DroppedLines dropped;
    private final AsyncLineWriter<ExchangeRecord> writer;

    /**
     * Starts the writer thread.
     *
     * @param sink          where lines go; written only from the writer thread
     * @param capacity      entries held while the sink is busy before new ones are dropped
     * @param closeTimeout  how long {@link #close()} waits for queued entries to be written
     * @param registry      receives {@code nexus_access_log_dropped_total}
     */
    public AsyncAccessLog(LineSink sink, int capacity, Duration closeTimeout, PrometheusRegistry registry) {
        this.dropped = new DroppedLines("access log", "lines", Counter.builder()
                .name("nexus_access_log_dropped_total")
                .help("Access log lines dropped because the log's queue was full (the sink is too slow).")
                .register(registry), WARNING_INTERVAL);
        this.writer = new AsyncLineWriter<>("access log", sink, capacity, closeTimeout, AccessLogFormatter::format,
                dropped::dropped);
    }

    @Override
    public void log(ExchangeRecord entry) {
        writer.offer(entry);
    }

    /** Entries dropped so far because the queue was full, the log was closed or the sink failed. */
    public long droppedCount() {
        return dropped.count();
    }

    @Override
    public void close() {
        writer.close();
    }
}
