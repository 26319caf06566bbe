package dev.nexus.proxy.ingress;

/**
 * A request the proxy refuses before any policy or upstream work: answered with 400 and a closed
 * connection. {@link #reason()} is a short stable label (metrics, access log); the message is a
 * sentence for the agent. Neither ever contains header values.
 */
public final class MalformedRequestException extends RuntimeException {

    private final String reason;

    public MalformedRequestException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
