package dev.nexus.proxy.observe.audit;

import dev.nexus.proxy.observe.AsyncLineWriter;
import dev.nexus.proxy.observe.DroppedLines;

import dev.nexus.proxy.observe.LineSink;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;

/**
 * The audit trail's writer: events go into a bounded queue and one daemon thread formats them as JSON
 * lines and writes them to a {@link LineSink} (stdout, or a {@link RotatingFileSink}), through an
 * {@link AsyncLineWriter}.
 *
 * <p>{@link #record} only does a non-blocking {@code offer}, so a slow disk cannot slow the proxy.
 * An event that does not fit, or that the sink fails to write, is never dropped silently: it is counted
 * in {@code nexus_audit_dropped_total} and a warning is logged at most once per warning interval with
 * the running total.
 */
public final class AuditSink implements AuditTrail, AutoCloseable {

    private static final Duration DEFAULT_WARNING_INTERVAL = Duration.ofSeconds(30);

    private final DroppedLines dropped;
    private final AsyncLineWriter<AuditEvent> writer;

    /**
     * Starts the writer thread.
     *
     * @param sink         where lines go; written only from the writer thread, so it may block
     * @param capacity     events held while the sink is busy; beyond that new events are dropped and counted
     * @param closeTimeout how long {@link #close()} waits for queued events to be written
     * @param registry     receives {@code nexus_audit_dropped_total}
     */
    public AuditSink(LineSink sink, int capacity, Duration closeTimeout, PrometheusRegistry registry) {
        this(sink, capacity, closeTimeout, registry, DEFAULT_WARNING_INTERVAL);
    }

    AuditSink(LineSink sink, int capacity, Duration closeTimeout, PrometheusRegistry registry, Duration warningInterval) {
        this.dropped = new DroppedLines("audit", "events", Counter.builder()
                .name("nexus_audit_dropped_total")
                .help("Audit events dropped because the audit queue was full or the audit sink failed.")
                .register(registry), warningInterval);
        this.writer = new AsyncLineWriter<>("audit", sink, capacity, closeTimeout, AuditJson::format,
                dropped::dropped);
    }

    @Override
    public void record(AuditEvent event) {
        writer.offer(event);
    }

    /** Events dropped so far. */
    public long droppedCount() {
        return dropped.count();
    }

    @Override
    public void close() {
        writer.close();
    }
}
