package dev.nexus.proxy.strategy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The framing bytes {@link AwsChunkedBodySigner} writes around the chunk data it passes through: chunk
 * headers, the CRLF after a chunk's data, the trailer block. They are direct buffers on purpose: the
 * signer returns one composite per body piece of framing and retained slices of the agent's (direct)
 * buffers, and the epoll transport writes a composite in place only when every part is direct; a
 * single heap part makes it copy the whole composite, chunk data included, before the write.
 */
final class ChunkFraming {

    static final String CHUNK_SIGNATURE = ";chunk-signature=";
    private static final short CRLF = ('\r' << 8) | '\n';

    private ChunkFraming() {
    }

    /** {@code size;chunk-signature=signature CRLF}. */
    static ByteBuf signedHeader(ByteBufAllocator alloc, String size, byte[] signature) {
        ByteBuf header = alloc.directBuffer(size.length() + CHUNK_SIGNATURE.length() + signature.length + 2);
        header.writeCharSequence(size, StandardCharsets.US_ASCII);
        header.writeCharSequence(CHUNK_SIGNATURE, StandardCharsets.US_ASCII);
        header.writeBytes(signature);
        header.writeShort(CRLF);
        return header;
    }

    /** {@code size CRLF}: an unsigned chunk's header. */
    static ByteBuf unsignedHeader(ByteBufAllocator alloc, String size) {
        ByteBuf header = alloc.directBuffer(size.length() + 2);
        header.writeCharSequence(size, StandardCharsets.US_ASCII);
        header.writeShort(CRLF);
        return header;
    }

    static ByteBuf crlf(ByteBufAllocator alloc) {
        return alloc.directBuffer(2).writeShort(CRLF);
    }

    /** Framing text (trailer lines) as US-ASCII. */
    static ByteBuf ascii(ByteBufAllocator alloc, CharSequence text) {
        ByteBuf buffer = alloc.directBuffer(text.length());
        buffer.writeCharSequence(text, StandardCharsets.US_ASCII);
        return buffer;
    }
}
