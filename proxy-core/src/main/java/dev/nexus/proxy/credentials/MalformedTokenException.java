package dev.nexus.proxy.credentials;

/**
 * A token document that cannot be turned into a lease. The message names the field and what was
 * expected, never the document's content: token documents carry secrets.
 */
public final class MalformedTokenException extends Exception {

    public MalformedTokenException(String message) {
        super(message, null, false, false);
    }
}
