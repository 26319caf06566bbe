package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;

import java.util.function.Consumer;

/**
 * A {@code gzip} or {@code deflate} body: decoded, redacted, and encoded again with the same coding,
 * piece by piece (the encoder flushes after every piece, so streamed responses such as server-sent
 * events still arrive as they are produced). The encoded length differs from the origin's, so the
 * caller drops {@code Content-Length}. A body that does not decode is a {@link RedactionFailure}.
 */
final class CompressedBodyRedactor implements BodyRedactor {

    private final StreamRedactor redactor;
    private final ByteBufAllocator alloc;
    private final EmbeddedChannel decoder;
    private final EmbeddedChannel encoder;
    private final Consumer<ByteBuf> toEncoder;
    private boolean discarded;

    /** @param gzip {@code true} for gzip, {@code false} for deflate (zlib, or raw deflate as some origins send it) */
    CompressedBodyRedactor(SecretPatterns patterns, ByteBufAllocator alloc, boolean gzip) {
        this.redactor = new StreamRedactor(patterns);
        this.alloc = alloc;
        this.decoder = new EmbeddedChannel(ZlibCodecFactory.newZlibDecoder(
                gzip ? ZlibWrapper.GZIP : ZlibWrapper.ZLIB_OR_NONE, 0));
        this.encoder = new EmbeddedChannel(ZlibCodecFactory.newZlibEncoder(gzip ? ZlibWrapper.GZIP : ZlibWrapper.ZLIB));
        this.toEncoder = encoder::writeOutbound;
    }

    @Override
    public void redact(ByteBuf piece, Consumer<ByteBuf> out) {
        try {
            decoder.writeInbound(piece);
            ByteBuf decoded;
            while ((decoded = decoder.readInbound()) != null) {
                redactor.redact(decoded, alloc, toEncoder);
            }
        } catch (RuntimeException e) {
            discard();
            throw new RedactionFailure("the origin sent a compressed body that does not decode", e);
        }
        drainEncoder(out);
    }

    @Override
    public void finish(Consumer<ByteBuf> out) {
        try {
            decoder.finish();
            ByteBuf decoded;
            while ((decoded = decoder.readInbound()) != null) {
                redactor.redact(decoded, alloc, toEncoder);
            }
        } catch (RuntimeException e) {
            discard();
            throw new RedactionFailure("the origin sent a compressed body that does not decode", e);
        }
        ByteBuf rest = redactor.finish(alloc);
        if (rest != null) {
            encoder.writeOutbound(rest);
        }
        encoder.finish();
        drainEncoder(out);
        discarded = true;
    }

    private void drainEncoder(Consumer<ByteBuf> out) {
        ByteBuf encoded;
        while ((encoded = encoder.readOutbound()) != null) {
            if (encoded.isReadable()) {
                out.accept(encoded);
            } else {
                encoded.release();
            }
        }
    }

    @Override
    public long redactions() {
        return redactor.redactions();
    }

    @Override
    public void discard() {
        if (discarded) {
            return;
        }
        discarded = true;
        ByteBuf rest = redactor.finish(alloc);
        if (rest != null) {
            rest.release();
        }
        decoder.finishAndReleaseAll();
        encoder.finishAndReleaseAll();
    }
}
