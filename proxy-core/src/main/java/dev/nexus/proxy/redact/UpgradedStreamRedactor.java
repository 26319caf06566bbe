package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.Consumer;

/**
 * Sits on the upstream channel of an upgraded (WebSocket) connection, in front of the byte relay,
 * and redacts the payload of every frame the origin sends. Server frames are unmasked, so
 * overwriting payload bytes keeps every frame valid. Frame headers are read as they pass (never
 * changed) so that each frame's payload is scanned on its own and its last bytes are passed on when
 * the frame ends: an interactive protocol never waits for a next frame. A secret the origin splits
 * across two frames is therefore not recognised. Masked or compressed frames (which inject routes
 * do not negotiate) pass unscanned.
 */
final class UpgradedStreamRedactor extends ChannelInboundHandlerAdapter {

    private static final int MAX_HEADER = 14;

    private final StreamRedactor redactor;
    private final byte[] header = new byte[MAX_HEADER];
    private int headerLength;
    private long payloadLeft;
    private boolean scanPayload;
    private Consumer<ByteBuf> next;

    UpgradedStreamRedactor(SecretPatterns patterns) {
        this.redactor = new StreamRedactor(patterns);
    }

    long redactions() {
        return redactor.redactions();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        next = ctx::fireChannelRead;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (buf.isReadable()) {
                if (payloadLeft > 0) {
                    int take = (int) Math.min(payloadLeft, buf.readableBytes());
                    ByteBuf payload = buf.readRetainedSlice(take);
                    payloadLeft -= take;
                    if (scanPayload) {
                        redactor.redact(payload, ctx.alloc(), next);
                        if (payloadLeft == 0) {
                            passHeld(ctx);
                        }
                    } else {
                        next.accept(payload);
                    }
                } else {
                    readHeader(buf);
                }
            }
        } finally {
            buf.release();
        }
    }

    /** Passes header bytes on unchanged while collecting them, until the header is complete. */
    private void readHeader(ByteBuf buf) {
        int start = buf.readerIndex();
        while (buf.isReadable() && payloadLeft == 0) {
            header[headerLength++] = buf.readByte();
            int needed = headerSize();
            if (headerLength == needed) {
                payloadLeft = payloadLength();
                boolean masked = (header[1] & 0x80) != 0;
                boolean compressed = (header[0] & 0x40) != 0;
                scanPayload = !masked && !compressed;
                headerLength = 0;
                if (payloadLeft == 0) {
                    continue; // an empty frame: the next header follows
                }
            }
        }
        next.accept(buf.retainedSlice(start, buf.readerIndex() - start));
    }

    /** The header's full size once its first two bytes are known (2 until then). */
    private int headerSize() {
        if (headerLength < 2) {
            return 2;
        }
        int length7 = header[1] & 0x7F;
        int size = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0);
        return size + ((header[1] & 0x80) != 0 ? 4 : 0);
    }

    private long payloadLength() {
        int length7 = header[1] & 0x7F;
        if (length7 < 126) {
            return length7;
        }
        int bytes = length7 == 126 ? 2 : 8;
        long length = 0;
        for (int i = 0; i < bytes; i++) {
            length = length << 8 | (header[2 + i] & 0xFF);
        }
        return length;
    }

    private void passHeld(ChannelHandlerContext ctx) {
        ByteBuf rest = redactor.finish(ctx.alloc());
        if (rest != null) {
            next.accept(rest);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ByteBuf rest = redactor.finish(ctx.alloc());
        if (rest != null) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf rest = redactor.finish(ctx.alloc());
        if (rest != null) {
            rest.release();
        }
    }
}
