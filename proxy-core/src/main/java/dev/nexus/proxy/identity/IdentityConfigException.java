package dev.nexus.proxy.identity;

/** A problem in identity configuration (agents file, source map, mTLS material); the message says where. */
public final class IdentityConfigException extends Exception {

    public IdentityConfigException(String message) {
        super(message);
    }

    public IdentityConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
