package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** WebSocket frames from the origin: payloads masked at any read boundary, nothing waits for a next frame. */
class UpgradedStreamRedactorTest {

    private static final String SECRET = "ws-secret-token-123";

    private static byte[] frame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else {
            frame.write(126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xFF);
        }
        frame.writeBytes(payload);
        return frame.toByteArray();
    }

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new UpgradedStreamRedactor(
                SecretPatterns.compile(SecretForms.of(List.of(SECRET)))));
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readInbound()) != null) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            buf.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    @Test
    void framesAreMaskedWhereverTheReadsSplitThem() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(frame("echo: " + SECRET));
        stream.writeBytes(frame("x".repeat(200) + SECRET));
        stream.writeBytes(frame(""));
        byte[] bytes = stream.toByteArray();
        String masked = "*".repeat(SECRET.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(frame("echo: " + masked));
        expected.writeBytes(frame("x".repeat(200) + masked));
        expected.writeBytes(frame(""));
        for (int cut = 0; cut <= bytes.length; cut++) {
            EmbeddedChannel channel = channel();
            channel.writeInbound(Unpooled.copiedBuffer(bytes, 0, cut), Unpooled.copiedBuffer(bytes, cut, bytes.length - cut));
            assertThat(drain(channel)).as("cut at %d", cut).isEqualTo(expected.toByteArray());
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aFrameEndingLikeTheStartOfASecretIsPassedOnAtOnce() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.wrappedBuffer(frame("hello ws-sec")));
        assertThat(drain(channel)).isEqualTo(frame("hello ws-sec"));
        channel.finishAndReleaseAll();
    }
}
