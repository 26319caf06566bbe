package dev.nexus.server.config;

/**
 * A configuration that cannot be used. The message is one line meant for the operator, naming the
 * source, the field path and what is expected, e.g.
 * {@code config.yaml:3: listen.port: must be 0-65535, got 70000} (several such lines when the file has
 * several problems); it never contains a secret value.
 */
public final class ConfigException extends Exception {

    /** Where in the file the problem is, for listing several in file order; 0 when unknown. */
    private final int line;

    public ConfigException(String message) {
        this(message, 0);
    }

    ConfigException(String message, int line) {
        super(message, null, false, false);
        this.line = line;
    }

    int line() {
        return line;
    }
}
