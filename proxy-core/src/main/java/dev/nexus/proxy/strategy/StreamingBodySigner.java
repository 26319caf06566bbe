package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;

/**
 * Rewrites a request body that carries its own signatures (an aws-chunked upload) while it streams to
 * the origin: the forwarding path feeds it the body pieces in order as they arrive and forwards what
 * it returns. A strategy hands one out through {@link OutboundRequest#streamingBodySigner()} after
 * {@link CredentialStrategy#apply}; it is bound to that one request and to the event loop feeding it.
 *
 * <p>Memory stays bounded whatever the body's size: at most one chunk of the agent's body is held.
 * A failure is a {@link MalformedBodyException}: answer the agent 400, forward nothing more and close
 * both connections. Nothing returned before the failure contains bytes past the last good chunk.
 */
public interface StreamingBodySigner {

    /**
     * Takes over {@code piece} (released here, also on failure).
     *
     * @return the bytes to forward now, possibly empty; the caller owns them
     * @throws MalformedBodyException when the body is malformed up to this piece
     */
    ByteBuf feed(ByteBuf piece);

    /**
     * The body has ended.
     *
     * @return the last bytes to forward, possibly empty; the caller owns them
     * @throws MalformedBodyException when the body ended before its final chunk (and trailer)
     */
    ByteBuf end();

    /** Frees whatever is held; safe to call more than once and after a failure. */
    void release();
}
