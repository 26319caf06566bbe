package dev.nexus.server.runtime;

/**
 * The proxy could not start; the message is the one line shown to the operator. A configuration error
 * (a setting or a file the operator must fix, found before anything was started) exits with the
 * configuration-error status, like an invalid configuration file.
 */
public final class StartupException extends Exception {

    private final boolean configurationError;

    public StartupException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public StartupException(String message, Throwable cause, boolean configurationError) {
        super(message, cause);
        this.configurationError = configurationError;
    }

    /** Whether the operator must fix configuration or files (exit status 2), rather than the environment. */
    public boolean isConfigurationError() {
        return configurationError;
    }
}
