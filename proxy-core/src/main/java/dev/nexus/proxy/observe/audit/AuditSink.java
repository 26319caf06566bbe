package dev.nexus.proxy.observe.audit;

import dev.nexus.proxy.observe.LineSink;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The audit trail's writer: events go into a bounded queue and one daemon thread formats them as JSON
 * lines and writes them to a {@link LineSink} (stdout, or a {@link RotatingFileSink}).
 *
 * <p>{@link #record} only does a non-blocking {@code offer}, so a slow disk cannot slow the proxy.
 * An event that does not fit, or that the sink fails to write, is never dropped silently: it is counted
 * in {@code nexus_audit_dropped_total} and a warning is logged at most once per warning interval with
 * the running total.
 */
public final class AuditSink implements AuditTrail, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AuditSink.class.getName());
    /** How often the writer thread checks for {@link #close()} while the queue is empty. */
    private static final long IDLE_POLL_MILLIS = 200;
    private static final Duration DEFAULT_WARNING_INTERVAL = Duration.ofSeconds(30);

    private final BlockingQueue<AuditEvent> queue;
    private final LineSink sink;
    private final Counter dropped;
    private final long warningIntervalNanos;
    /** {@link System#nanoTime()} of the last drop warning; 0 before the first. */
    private final AtomicLong lastWarningNanos = new AtomicLong();
    private final Thread writer;
    private final Duration closeTimeout;
    private volatile boolean closed;

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
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.closeTimeout = closeTimeout;
        this.warningIntervalNanos = warningInterval.toNanos();
        this.dropped = Counter.builder()
                .name("nexus_audit_dropped_total")
                .help("Audit events dropped because the audit queue was full or the audit sink failed.")
                .register(registry);
        this.writer = new Thread(this::drain, "nexus-audit");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void record(AuditEvent event) {
        if (closed || !queue.offer(event)) {
            drop("the audit queue is full (the sink is too slow)");
        }
    }

    /** Events dropped so far. */
    public long droppedCount() {
        return dropped.getLongValue();
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(closeTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warning(() -> "audit: sink still busy after " + closeTimeout.toMillis() + " ms at shutdown; "
                    + queue.size() + " queued events not written");
        }
    }

    private void drop(String why) {
        dropped.inc();
        long now = System.nanoTime();
        long last = lastWarningNanos.get();
        if ((last == 0 || now - last >= warningIntervalNanos) && lastWarningNanos.compareAndSet(last, now == 0 ? 1 : now)) {
            LOG.warning(() -> "audit: dropping events because " + why + "; " + droppedCount()
                    + " dropped so far (nexus_audit_dropped_total)");
        }
    }

    private void drain() {
        StringBuilder line = new StringBuilder(512);
        try {
            while (true) {
                AuditEvent event = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (event == null) {
                    if (closed) {
                        break;
                    }
                    continue;
                }
                write(event, line);
                if (queue.isEmpty()) {
                    flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                sink.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "audit: closing the sink failed: " + e.getMessage());
            }
        }
    }

    private void write(AuditEvent event, StringBuilder line) {
        line.setLength(0);
        AuditJson.format(event, line);
        try {
            sink.writeLine(line);
        } catch (IOException e) {
            drop("writing failed: " + e.getMessage());
        }
    }

    private void flush() {
        try {
            sink.flush();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "audit: flush failed: " + e.getMessage());
        }
    }
}
