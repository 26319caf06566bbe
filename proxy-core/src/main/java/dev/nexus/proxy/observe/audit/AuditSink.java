package dev.nexus.proxy.observe.audit;

import dev.nexus.proxy.observe.LineSink;
import dev.nexus.proxy.observe.QueuedLog;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;

/**
 * The audit trail's writer: events become JSON lines ({@link AuditJson}) written by a {@link QueuedLog} to
 * stdout or a {@link RotatingFileSink}. {@link #record} never blocks, so a slow disk cannot slow the proxy;
 * an event that does not fit or fails to write is counted in {@code nexus_audit_dropped_total} and warned
 * about, never dropped silently.
 */
public final class AuditSink extends QueuedLog<AuditEvent> implements AuditTrail {

    private static final Spec<AuditEvent> SPEC = new Spec<>("audit", "events", "nexus_audit_dropped_total",
            "Audit events dropped because the audit queue was full or the audit sink failed.", AuditJson::format);
    private static final Duration DEFAULT_WARNING_INTERVAL = Duration.ofSeconds(30);

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
        super(SPEC, sink, capacity, closeTimeout, registry, warningInterval);
    }

    @Override
    public void record(AuditEvent event) {
        offer(event);
    }
}
