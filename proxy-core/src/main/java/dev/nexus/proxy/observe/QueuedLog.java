package dev.nexus.proxy.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * A log whose entries go into a bounded queue that one daemon thread formats and writes
 * ({@link AsyncLineWriter}). An entry that does not fit, or that the sink fails to write, is never dropped
 * silently: it is counted in the log's {@code _dropped_total} counter and a warning names the running total
 * at most once per warning interval ({@link DroppedLines}). The access log and the audit trail are two of these.
 *
 * @param <T> the entry type
 */
public abstract class QueuedLog<T> implements AutoCloseable {

    /** What distinguishes one queued log from another. */
    public record Spec<T>(String name, String unit, String droppedMetric, String droppedHelp,
                          BiConsumer<T, StringBuilder> formatter) {
    }

    private final DroppedLines dropped;
    private final AsyncLineWriter<T> writer;

    /**
     * Starts the writer thread.
     *
     * @param sink            where lines go; written only from the writer thread, so it may block
     * @param capacity        entries held while the sink is busy; beyond that new ones are dropped and counted
     * @param closeTimeout    how long {@link #close()} waits for queued entries to be written
     * @param warningInterval at most one warning about drops per interval
     */
    protected QueuedLog(Spec<T> spec, LineSink sink, int capacity, Duration closeTimeout, PrometheusRegistry registry,
                        Duration warningInterval) {
        this.dropped = new DroppedLines(spec.name(), spec.unit(), Counter.builder()
                .name(spec.droppedMetric()).help(spec.droppedHelp()).register(registry), warningInterval);
        this.writer = new AsyncLineWriter<>(spec.name(), sink, capacity, closeTimeout, spec.formatter(),
                dropped::dropped);
    }

    /** Queues {@code entry}; never blocks. */
    protected final void offer(T entry) {
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
