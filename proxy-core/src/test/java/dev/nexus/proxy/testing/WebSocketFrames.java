package dev.nexus.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** WebSocket frames as an agent writes them on a raw connection after the 101. */
public final class WebSocketFrames {

    private WebSocketFrames() {
    }

    /** A final client-to-server text frame under 126 bytes; clients must mask (RFC 6455 section 5.3). */
    public static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125) {
            throw new IllegalArgumentException("a longer payload needs an extended length field");
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        frame.write(0x80 | payload.length);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }
}
