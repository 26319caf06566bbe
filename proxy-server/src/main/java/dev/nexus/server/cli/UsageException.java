package dev.nexus.server.cli;

/** The command line is wrong; the message says how, in one line, and the usage follows it. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        super(message, null, false, false);
    }
}
