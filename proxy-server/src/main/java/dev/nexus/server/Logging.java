package dev.nexus.server;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;

import java.util.logging.LogManager;

/**
 * Process-wide java.util.logging setup, done first thing in {@link Main}:
 * <ul>
 *   <li>one-line records ({@code 2026-01-01T12:00:00.000+0000 INFO    dev.nexus.server.NexusServer: started})
 *       instead of the two-line default, unless the operator chose a format;</li>
 *   <li>Netty (and Lettuce, which logs through Netty) log to java.util.logging. Left alone, Netty
 *       picks SLF4J when any jar brings its API (Lettuce's redis-authx-core does) and, with no SLF4J
 *       backend, prints a warning and discards everything;</li>
 *   <li>a log manager that keeps logging alive during the graceful shutdown. The JDK's own manager
 *       resets (removes every handler) in a shutdown hook of its own, which runs concurrently with
 *       ours and would silently drop everything logged while requests drain.</li>
 * </ul>
 */
public final class Logging {

    static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
    static final String MANAGER_PROPERTY = "java.util.logging.manager";

    private Logging() {
    }

    static void configure() {
        if (System.getProperty(FORMAT_PROPERTY) == null) {
            System.setProperty(FORMAT_PROPERTY, "%1$tFT%1$tT.%1$tL%1$tz %4$-7s %3$s: %5$s%6$s%n");
        }
        if (System.getProperty(MANAGER_PROPERTY) == null) {
            System.setProperty(MANAGER_PROPERTY, ShutdownLogManager.class.getName());
        }
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    }

    /** From now on, the JVM's shutdown reset waits for {@link #shutdownComplete()}. No-op with another log manager. */
    static void holdUntilShutdownComplete() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager manager) {
            manager.deferReset = true;
        }
    }

    /** Performs the reset the JVM asked for, now that our shutdown has logged its last words. */
    static void shutdownComplete() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager manager) {
            manager.deferReset = false;
            manager.reset();
        }
    }

    /** A {@link LogManager} whose reset can be postponed; instantiated by the JDK through {@code java.util.logging.manager}. */
    public static final class ShutdownLogManager extends LogManager {

        private volatile boolean deferReset;

        @Override
        public void reset() {
            if (!deferReset) {
                super.reset();
            }
        }
    }
}
