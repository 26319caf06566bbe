package dev.nexus.proxy.observe;

import io.prometheus.metrics.core.metrics.Counter;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Accounts for log lines that could not be written: every one is counted, and a warning with the
 * running total is logged at most once per interval, so drops are never silent and never flood the log.
 */
final class DroppedLines {

    private static final Logger LOG = Logger.getLogger(DroppedLines.class.getName());

    private final String logName;
    private final String unit;
    private final Counter counter;
    private final long warningIntervalNanos;
    /** {@link System#nanoTime()} of the last warning; 0 before the first. */
    private final AtomicLong lastWarningNanos = new AtomicLong();

    /**
     * @param logName which log, in the warning ({@code audit})
     * @param unit    what it holds, in the warning ({@code events}, {@code lines})
     */
    public DroppedLines(String logName, String unit, Counter counter, Duration warningInterval) {
        this.logName = logName;
        this.unit = unit;
        this.counter = counter;
        this.warningIntervalNanos = warningInterval.toNanos();
    }

    public void dropped(String why) {
        counter.inc();
        long now = System.nanoTime();
        long last = lastWarningNanos.get();
        if ((last == 0 || now - last >= warningIntervalNanos) && lastWarningNanos.compareAndSet(last, now == 0 ? 1 : now)) {
            LOG.warning(() -> logName + ": dropping " + unit + " because " + why + "; " + count() + " dropped so far");
        }
    }

    public long count() {
        return counter.getLongValue();
    }
}
