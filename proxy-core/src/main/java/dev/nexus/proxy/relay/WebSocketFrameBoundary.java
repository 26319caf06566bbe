package dev.nexus.proxy.relay;

import io.netty.buffer.ByteBuf;

/**
 * Follows the frame boundaries of one direction of a WebSocket byte stream (RFC 6455 section 5.2) without
 * changing a byte: the header of each frame gives its payload length, and the payload is skipped. The proxy
 * may put a frame of its own into the stream only between two frames; a control frame such as Close may go
 * between the fragments of a message, so every frame end is such a place.
 */
final class WebSocketFrameBoundary {

    private static final int LONGEST_HEADER = 14;

    private final byte[] header = new byte[LONGEST_HEADER];
    private int headerBytes;
    private int headerLength;
    private long payloadLeft;

    /** Whether every byte seen so far belongs to a complete frame. */
    boolean atBoundary() {
        return headerBytes == 0 && payloadLeft == 0;
    }

    /**
     * Follows {@code buf}'s bytes from {@code index} onwards, up to {@code length} of them, stopping right after
     * the first frame that ends among them.
     *
     * @return how many bytes were followed (all {@code length} unless a frame ended earlier)
     */
    int advance(ByteBuf buf, int index, int length) {
        int consumed = 0;
        while (consumed < length) {
            if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, length - consumed);
                payloadLeft -= n;
                consumed += n;
                if (payloadLeft == 0) {
                    return consumed;
                }
                continue;
            }
            header[headerBytes++] = buf.getByte(index + consumed++);
            if (headerBytes == 2) {
                headerLength = 2 + extendedLengthBytes() + ((header[1] & 0x80) != 0 ? 4 : 0);
            }
            if (headerBytes >= 2 && headerBytes == headerLength) {
                payloadLeft = payloadLength();
                headerBytes = 0;
                if (payloadLeft == 0) {
                    return consumed;
                }
            }
        }
        return consumed;
    }

    /** Follows every readable byte of {@code buf}. */
    void advanceAll(ByteBuf buf) {
        int index = buf.readerIndex();
        int end = buf.writerIndex();
        while (index < end) {
            index += advance(buf, index, end - index);
        }
    }

    private int extendedLengthBytes() {
        int length = header[1] & 0x7f;
        return length == 126 ? 2 : length == 127 ? 8 : 0;
    }

    private long payloadLength() {
        int length = header[1] & 0x7f;
        if (length < 126) {
            return length;
        }
        if (length == 126) {
            return ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        }
        long value = 0;
        for (int i = 2; i < 10; i++) {
            value = (value << 8) | (header[i] & 0xff);
        }
        return value < 0 ? Long.MAX_VALUE : value; // a broken length: never at a boundary again, so the relay is cut
    }
}
