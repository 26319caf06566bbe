package dev.nexus.proxy.identity;

/** A problem in identity configuration (agents file, source map, mTLS material); the message says where. */
public final class IdentityConfigException extends Exception {

    IdentityConfigException(String message) {
        super(message);
    }

    IdentityConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
