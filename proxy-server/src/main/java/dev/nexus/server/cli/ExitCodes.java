package dev.nexus.server.cli;

/** Process exit codes, the same for every command. */
public final class ExitCodes {

    /** Done, or stopped cleanly. */
    public static final int OK = 0;
    /** The command ran and failed (e.g. a port could not be bound, a policy file is invalid). */
    public static final int FAILURE = 1;
    /** The command line or the configuration is wrong: nothing was started. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
