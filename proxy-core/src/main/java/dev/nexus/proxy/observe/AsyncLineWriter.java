package dev.nexus.proxy.observe;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A bounded queue drained by one daemon thread that formats each item as a line and writes it to a
 * {@link LineSink}: the access log and the audit trail both write this way. Callers only do a
 * non-blocking {@code offer}, so a slow disk or a blocked stdout pipe slows nothing but the log itself;
 * every item that does not fit or fails to write is reported to the owner's drop handler.
 *
 * @param <T> what is logged
 */
final class AsyncLineWriter<T> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AsyncLineWriter.class.getName());
    /** How often the writer thread checks for {@link #close()} while the queue is empty. */
    private static final long IDLE_POLL_MILLIS = 200;
    /** The writer's sleep between batches while items keep coming: the most a line waits to be written. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Empty batches in a row after which the writer waits to be signalled instead (about 20 ms of quiet). */
    private static final int LINGER_ROUNDS = 20;
    /** Items taken from the queue at once. */
    private static final int BATCH = 256;

    private final String name;
    private final BlockingQueue<T> queue;
    private final LineSink sink;
    private final BiConsumer<T, StringBuilder> formatter;
    private final Consumer<String> onDrop;
    private final Duration closeTimeout;
    private final Thread writer;
    private volatile boolean closed;

    /**
     * Starts the writer thread.
     *
     * @param name         the log's name in warnings and in the thread name ({@code access log}, {@code audit})
     * @param sink         where lines go; written only from the writer thread, so it may block
     * @param capacity     items held while the sink is busy; beyond that new items are dropped
     * @param closeTimeout how long {@link #close()} waits for queued items to be written
     * @param formatter    appends one item's line (without line break)
     * @param onDrop       told why each dropped item was dropped (counting and warnings are the owner's)
     */
    public AsyncLineWriter(String name, LineSink sink, int capacity, Duration closeTimeout,
                           BiConsumer<T, StringBuilder> formatter, Consumer<String> onDrop) {
        this.name = name;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.formatter = formatter;
        this.onDrop = onDrop;
        this.closeTimeout = closeTimeout;
        this.writer = new Thread(this::drain, "nexus-" + name.replace(' ', '-'));
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues {@code item}; never blocks. */
    public void offer(T item) {
        if (closed || !queue.offer(item)) {
            onDrop.accept("the " + name + " queue is full (the sink is too slow)");
        }
    }

    /** Stops taking items and waits up to the close timeout for the queued ones to be written. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(closeTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warning(() -> name + ": sink still busy after " + closeTimeout.toMillis() + " ms at shutdown; "
                    + queue.size() + " queued lines not written");
        }
    }

    /**
     * Writes in batches. While items keep arriving, the writer sleeps {@link #LINGER_NANOS} between batches
     * instead of waiting to be signalled: a producer then never pays a thread wake-up (a system call on the
     * event loop) for its line, and a busy proxy's lines reach the sink in one write per batch rather than
     * one per line. After {@link #LINGER_ROUNDS} quiet rounds it blocks until the next item, so an idle
     * proxy has no timer wake-ups beyond the close check.
     */
    private void drain() {
        StringBuilder line = new StringBuilder(512);
        List<T> batch = new ArrayList<>(BATCH);
        boolean unflushed = false;
        int quietRounds = LINGER_ROUNDS;
        try {
            while (true) {
                if (queue.drainTo(batch, BATCH) > 0) {
                    for (T item : batch) {
                        write(item, line);
                    }
                    batch.clear();
                    unflushed = true;
                    quietRounds = 0;
                    continue;
                }
                if (unflushed) {
                    flush();
                    unflushed = false;
                }
                if (closed) {
                    break;
                }
                if (quietRounds < LINGER_ROUNDS) {
                    quietRounds++;
                    LockSupport.parkNanos(this, LINGER_NANOS);
                    continue;
                }
                T item = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (item != null) {
                    write(item, line);
                    unflushed = true;
                    quietRounds = 0;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                sink.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, name + ": closing the sink failed: " + e.getMessage());
            }
        }
    }

    private void write(T item, StringBuilder line) {
        line.setLength(0);
        formatter.accept(item, line);
        try {
            sink.writeLine(line);
        } catch (IOException e) {
            onDrop.accept("writing failed: " + e.getMessage());
        }
    }

    private void flush() {
        try {
            sink.flush();
        } catch (IOException e) {
            LOG.log(Level.WARNING, name + ": flush failed: " + e.getMessage());
        }
    }
}
