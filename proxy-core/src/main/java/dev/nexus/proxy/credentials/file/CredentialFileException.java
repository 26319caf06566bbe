package dev.nexus.proxy.credentials.file;

/**
 * The local credential file cannot be used: unreadable, too widely readable, or not valid. The message
 * names the file and the place (line and column, or connection and field), never a value from it.
 */
public final class CredentialFileException extends RuntimeException {

    public CredentialFileException(String message) {
        super(message, null, false, false);
    }
}
