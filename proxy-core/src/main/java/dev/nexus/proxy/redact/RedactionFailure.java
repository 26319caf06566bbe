package dev.nexus.proxy.redact;

/**
 * A response could not be scanned (a compressed body that does not decode): the exchange must end
 * without passing on what could not be checked. The message is safe to show the agent.
 */
public final class RedactionFailure extends RuntimeException {

    RedactionFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
