package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;

/**
 * The agent's request body does not have the framing its head announces (an aws-chunked body with a
 * bad chunk size, a missing CRLF, more data than {@code x-amz-decoded-content-length}, a chunk
 * signature the agent's key did not produce). The message says where, in terms safe to show the
 * agent; the request must be answered 400 and its connections closed, since the body cannot be
 * resynchronised.
 */
public final class MalformedBodyException extends StrategyException {

    MalformedBodyException(String message) {
        super(Kind.MALFORMED_REQUEST, StrategyType.AWS_SIGV4, "body", message);
    }
}
