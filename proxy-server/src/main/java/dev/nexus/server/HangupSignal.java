package dev.nexus.server;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs an action on SIGHUP (the conventional "reload your configuration" signal). Uses
 * {@code sun.misc.Signal}, the only way in the JDK; where it is missing or the signal is reserved
 * (other platforms, {@code -Xrs}), installation is skipped and logged, and reloads still happen by polling.
 */
final class HangupSignal {

    private static final Logger LOG = Logger.getLogger(HangupSignal.class.getName());

    private HangupSignal() {
    }

    /** @return whether the handler was installed */
    static boolean install(Runnable onHangup) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> onHangup.run());
            return true;
        } catch (IllegalArgumentException | LinkageError | UnsupportedOperationException e) {
            LOG.log(Level.INFO, "SIGHUP handling unavailable on this JVM (" + e + "); reloads rely on polling");
            return false;
        }
    }
}
