package dev.nexus.proxy.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures everything written through java.util.logging (the proxy's own logs and Netty's) at every
 * level while open, formatted with stack traces, so tests can grep it for secrets.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Level previousLevel = root.getLevel();

    public LogCapture() {
        setFormatter(new SimpleFormatter());
        setLevel(Level.ALL);
        root.addHandler(this);
        root.setLevel(Level.ALL);
    }

    @Override
    public void publish(LogRecord record) {
        lines.add(getFormatter().format(record));
    }

    public String text() {
        return String.join("", lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        root.setLevel(previousLevel);
    }
}
