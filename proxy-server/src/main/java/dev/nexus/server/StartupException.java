package dev.nexus.server;

/** The proxy could not start; the message is the one line shown to the operator. */
public final class StartupException extends Exception {

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
