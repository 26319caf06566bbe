package dev.nexus.proxy.credentials.redis;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Captures everything java.util.logging emits while open: every level from {@code dev.nexus}, and
 * what the root logger lets through from libraries (Lettuce). Used to prove that secrets never
 * reach the logs.
 */
final class CapturedLogs implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final Logger nexus = Logger.getLogger("dev.nexus");
    private final Level previousNexusLevel = nexus.getLevel();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(formatter.format(record));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            lines.add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    CapturedLogs() {
        handler.setLevel(Level.ALL);
        nexus.setLevel(Level.ALL);
        root.addHandler(handler);
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    String all() {
        return String.join("\n", lines);
    }

    /** Fails naming the secret's role (never its value) when any captured line contains it. */
    void assertContainsNone(String role, String... secrets) {
        String everything = all();
        for (String secret : secrets) {
            assertFalse(everything.contains(secret), "the logs contain " + role);
        }
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        nexus.setLevel(previousNexusLevel);
    }
}
