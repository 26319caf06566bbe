package dev.nexus.proxy.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The access log: entries go into a bounded queue and one daemon thread formats and writes them.
 *
 * <p>The event loop only does a non-blocking {@code offer}; when the sink falls behind and the queue
 * is full the entry is dropped and counted in {@code nexus_access_log_dropped_total}, so a slow disk
 * or a blocked stdout pipe slows nothing but the log itself.
 */
public final class AsyncAccessLog implements AccessLog {

    private static final Logger LOG = Logger.getLogger(AsyncAccessLog.class.getName());
    /** How often the writer thread checks for {@link #close()} while the queue is empty. */
    private static final long IDLE_POLL_MILLIS = 200;

    private final BlockingQueue<ExchangeRecord> queue;
    private final LineSink sink;
    private final Counter dropped;
    private final Thread writer;
    private final Duration closeTimeout;
    private volatile boolean closed;
    /** Written only by the writer thread: warn once when the sink starts failing, not once per line. */
    private boolean sinkFailing;

    /**
     * Starts the writer thread.
     *
     * @param sink          where lines go; written only from the writer thread
     * @param capacity      entries held while the sink is busy before new ones are dropped
     * @param closeTimeout  how long {@link #close()} waits for queued entries to be written
     * @param registry      receives {@code nexus_access_log_dropped_total}
     */
    public AsyncAccessLog(LineSink sink, int capacity, Duration closeTimeout, PrometheusRegistry registry) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.closeTimeout = closeTimeout;
        this.dropped = Counter.builder()
                .name("nexus_access_log_dropped_total")
                .help("Access log lines dropped because the log's queue was full (the sink is too slow).")
                .register(registry);
        this.writer = new Thread(this::drain, "nexus-access-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void log(ExchangeRecord entry) {
        if (closed || !queue.offer(entry)) {
            dropped.inc();
        }
    }

    /** Entries dropped so far because the queue was full or the log was closed. */
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
            LOG.warning(() -> "access log: sink still busy after " + closeTimeout.toMillis()
                    + " ms at shutdown; " + queue.size() + " queued lines not written");
        }
    }

    private void drain() {
        StringBuilder line = new StringBuilder(512);
        try {
            while (true) {
                ExchangeRecord entry = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (entry == null) {
                    if (closed) {
                        break;
                    }
                    continue;
                }
                write(entry, line);
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
                LOG.log(Level.WARNING, "access log: closing the sink failed: " + e.getMessage());
            }
        }
    }

    private void write(ExchangeRecord entry, StringBuilder line) {
        line.setLength(0);
        AccessLogFormatter.format(entry, line);
        try {
            sink.writeLine(line);
            sinkFailing = false;
        } catch (IOException e) {
            dropped.inc();
            if (!sinkFailing) {
                sinkFailing = true;
                LOG.log(Level.WARNING, "access log: write failed, dropping lines until it recovers: " + e.getMessage());
            }
        }
    }

    private void flush() {
        try {
            sink.flush();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "access log: flush failed: " + e.getMessage());
        }
    }
}
