package dev.nexus.server.config;

/**
 * A configuration that cannot be used. The message is one line meant for the operator, naming the
 * source, the field path and what is expected, e.g.
 * {@code config.yaml: listen.port: must be 0-65535, got 70000}; it never contains a secret value.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
