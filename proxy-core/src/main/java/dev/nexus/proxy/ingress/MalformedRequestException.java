package dev.nexus.proxy.ingress;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import dev.nexus.proxy.observe.MalformedReason;

/**
 * A request the proxy refuses before any policy or upstream work: answered with 400 and a closed
 * connection. {@link #reason()} is the metrics label; the message is a sentence for the agent.
 * Neither ever contains header values.
 */
final class MalformedRequestException extends RuntimeException {

    private final MalformedReason reason;

    public MalformedRequestException(MalformedReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** Why the HTTP decoder failed on a request head, as the agent and the metrics see it. */
    static MalformedRequestException ofDecoderFailure(DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return new MalformedRequestException(MalformedReason.INITIAL_LINE_TOO_LONG, "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return new MalformedRequestException(MalformedReason.HEADER_TOO_LARGE, "request header block too large");
        }
        String message = cause == null ? null : cause.getMessage();
        return new MalformedRequestException(MalformedReason.INVALID_REQUEST_LINE,
                message == null ? "malformed request" : message);
    }

    public MalformedReason reason() {
        return reason;
    }
}
