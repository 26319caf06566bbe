package dev.nexus.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Frame boundaries of a relayed WebSocket stream, whatever pieces the bytes arrive in. */
class WebSocketFrameBoundaryTest {

    /** A text frame with a payload of {@code length} bytes, length encoded in 7, 16 or 64 bits, masked or not. */
    private static byte[] frame(int length, boolean masked) {
        int extended = length < 126 ? 0 : length <= 0xffff ? 2 : 8;
        byte[] bytes = new byte[2 + extended + (masked ? 4 : 0) + length];
        bytes[0] = (byte) 0x81;
        bytes[1] = (byte) ((masked ? 0x80 : 0) | (extended == 0 ? length : extended == 2 ? 126 : 127));
        for (int i = 0; i < extended; i++) {
            bytes[2 + i] = (byte) ((long) length >>> (8 * (extended - 1 - i)));
        }
        return bytes;
    }

    @Test
    void followsFramesOfEverySizeFedOneByteAtATime() {
        WebSocketFrameBoundary boundary = new WebSocketFrameBoundary();
        for (byte[] frame : new byte[][] {frame(0, false), frame(5, true), frame(300, false), frame(70_000, true)}) {
            ByteBuf buf = Unpooled.wrappedBuffer(frame);
            for (int i = 0; i < frame.length; i++) {
                assertThat(boundary.advance(buf, i, 1)).isEqualTo(1);
                assertThat(boundary.atBoundary()).as("after byte %d of %d", i + 1, frame.length)
                        .isEqualTo(i == frame.length - 1);
            }
        }
    }

    @Test
    void stopsRightAfterTheFirstFrameThatEndsInABuffer() {
        byte[] first = frame(10, false);
        byte[] second = frame(200, false);
        byte[] both = new byte[first.length + 50];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, 50);
        ByteBuf buf = Unpooled.wrappedBuffer(both);
        WebSocketFrameBoundary boundary = new WebSocketFrameBoundary();

        assertThat(boundary.advance(buf, 0, both.length)).isEqualTo(first.length);
        assertThat(boundary.atBoundary()).isTrue();
        assertThat(boundary.advance(buf, first.length, 50)).isEqualTo(50);
        assertThat(boundary.atBoundary()).as("half of the second frame").isFalse();
    }
}
