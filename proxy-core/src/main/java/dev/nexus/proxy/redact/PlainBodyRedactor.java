package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.function.Consumer;

/** A body sent without content coding: redacted in place, same length. */
final class PlainBodyRedactor implements BodyRedactor {

    private final StreamRedactor redactor;
    private final ByteBufAllocator alloc;

    PlainBodyRedactor(SecretPatterns patterns, ByteBufAllocator alloc) {
        this.redactor = new StreamRedactor(patterns);
        this.alloc = alloc;
    }

    @Override
    public void redact(ByteBuf piece, Consumer<ByteBuf> out) {
        redactor.redact(piece, alloc, out);
    }

    @Override
    public void finish(Consumer<ByteBuf> out) {
        ByteBuf rest = redactor.finish(alloc);
        if (rest != null) {
            out.accept(rest);
        }
    }

    @Override
    public long redactions() {
        return redactor.redactions();
    }

    @Override
    public void discard() {
        ByteBuf rest = redactor.finish(alloc);
        if (rest != null) {
            rest.release();
        }
    }
}
