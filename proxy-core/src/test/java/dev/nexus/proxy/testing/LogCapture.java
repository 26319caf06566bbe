package dev.nexus.proxy.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures java.util.logging records at every level while open (so debug-only messages are built and
 * checked too), formatted as an operator would see them, including thrown exceptions' stack traces.
 * Tests grep the text for secrets or expected messages. {@link #LogCapture()} captures everything (the
 * proxy's own logs and Netty's); {@link #LogCapture(String)} one logger subtree.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final Logger logger;
    private final Level previousLevel;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    /** Captures everything logged in the JVM (the root logger). */
    public LogCapture() {
        this("");
    }

    /** Captures what is logged under {@code loggerName} and its children ("" for everything). */
    public LogCapture(String loggerName) {
        logger = Logger.getLogger(loggerName);
        previousLevel = logger.getLevel();
        setFormatter(new SimpleFormatter());
        setLevel(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
        lines.add(getFormatter().format(record));
    }

    /** Everything captured so far as one text. */
    public String text() {
        return String.join("", lines);
    }

    /** Each captured record formatted (message and stack trace), in order. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** True when one captured record's formatted text contains {@code text}. */
    public boolean contains(String text) {
        return lines.stream().anyMatch(line -> line.contains(text));
    }

    /** The captured records themselves, for checks on level or logger name. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(previousLevel);
    }
}
