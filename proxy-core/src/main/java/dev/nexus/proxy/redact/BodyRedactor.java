package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;

import java.util.function.Consumer;

/**
 * Redacts one response body as it streams: as sent ({@link PlainBodyRedactor}) or through decoding and
 * re-encoding ({@link CompressedBodyRedactor}). One per response, on the response's event loop.
 */
interface BodyRedactor {

    /** Takes over {@code piece} and passes on what is ready, in order. */
    void redact(ByteBuf piece, Consumer<ByteBuf> out);

    /** The body ended: passes on everything still held. */
    void finish(Consumer<ByteBuf> out);

    /** How many occurrences were overwritten so far. */
    long redactions();

    /** Drops whatever is held (the exchange ended early). Safe to repeat. */
    void discard();
}
