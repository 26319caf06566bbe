package dev.nexus.proxy.tls;

/**
 * A CA private key file is readable or writable by more than its owner. The proxy refuses to start
 * with it, because anyone who can read the key can mint certificates every agent trusts.
 */
public final class CaPermissionException extends CaException {

    public CaPermissionException(String message) {
        super(message);
    }
}
