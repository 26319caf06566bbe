package dev.nexus.proxy.tls;

/**
 * The proxy's CA could not be created, loaded or used. The message names the file and what is wrong
 * with it; it never contains key material.
 */
public class CaException extends RuntimeException {

    public CaException(String message) {
        super(message);
    }

    public CaException(String message, Throwable cause) {
        super(message, cause);
    }
}
