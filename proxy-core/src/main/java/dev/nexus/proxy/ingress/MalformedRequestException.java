package dev.nexus.proxy.ingress;

import dev.nexus.proxy.observe.MalformedReason;

/**
 * A request the proxy refuses before any policy or upstream work: answered with 400 and a closed
 * connection. {@link #reason()} is the metrics label; the message is a sentence for the agent.
 * Neither ever contains header values.
 */
public final class MalformedRequestException extends RuntimeException {

    private final MalformedReason reason;

    public MalformedRequestException(MalformedReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public MalformedReason reason() {
        return reason;
    }
}
