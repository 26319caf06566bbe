package dev.nexus.proxy.credentials.oauth2;

import dev.nexus.proxy.credentials.PrivateFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a client secret comes from: a value taken from the environment at startup, or a private file
 * read on every token request (so a rotated Kubernetes Secret is picked up without a restart).
 * {@link #toString()} names the origin, never the value.
 */
public abstract sealed class SecretSource permits SecretSource.Value, SecretSource.FromFile {

    private SecretSource() {
    }

    /** A value already in memory, e.g. read from an environment variable; {@code origin} names it in messages. */
    public static SecretSource value(String secret, String origin) {
        return new Value(secret, origin);
    }

    /** A file holding the secret (surrounding blanks and the final newline are ignored). */
    public static SecretSource file(Path file) {
        return new FromFile(file);
    }

    /** The secret now. The message of the exception names the origin, never content. */
    abstract String read() throws IOException;

    /** Refuses a file other users may read; nothing to check for a value. */
    abstract void checkPrivate();

    static final class Value extends SecretSource {
        private final String secret;
        private final String origin;

        private Value(String secret, String origin) {
            if (secret == null || secret.isBlank()) {
                throw new IllegalArgumentException(origin + " is empty");
            }
            this.secret = secret.strip();
            this.origin = Objects.requireNonNull(origin, "origin");
        }

        @Override
        String read() {
            return secret;
        }

        @Override
        void checkPrivate() {
        }

        @Override
        public String toString() {
            return origin;
        }
    }

    static final class FromFile extends SecretSource {
        private final Path file;

        private FromFile(Path file) {
            this.file = Objects.requireNonNull(file, "file");
        }

        @Override
        String read() throws IOException {
            String secret;
            try {
                secret = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IOException("cannot read " + this + " (" + e.getClass().getSimpleName() + ")");
            }
            if (secret.isEmpty()) {
                throw new IOException(this + " is empty");
            }
            return secret;
        }

        @Override
        void checkPrivate() {
            requirePrivate(file, "client secret file");
        }

        @Override
        public String toString() {
            return "client secret file " + file;
        }
    }

    /** Refuses a secret file that is missing or that group or others may read or write. */
    static void requirePrivate(Path file, String what) {
        try {
            if (!PrivateFiles.excessPermissions(file).isEmpty()) {
                throw new IllegalArgumentException(what + " " + file + " is readable or writable by other users (permissions "
                        + PrivateFiles.describePermissions(file) + "); run 'chmod 600 " + file
                        + "' (in Kubernetes, mount it with defaultMode 0400)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + " " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
