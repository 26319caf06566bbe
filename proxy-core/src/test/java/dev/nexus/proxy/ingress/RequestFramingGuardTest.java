package dev.nexus.proxy.ingress;

import dev.nexus.proxy.observe.MalformedReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The byte-level guard on its own: raw bytes in, passed bytes, events and rejections out. */
class RequestFramingGuardTest {

    /** Collects what the guard lets through and what it reports. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        final StringBuilder passed = new StringBuilder();
        final List<Object> events = new ArrayList<>();
        Throwable failure;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            passed.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
        }
    }

    private final RequestFramingGuard guard = new RequestFramingGuard();
    private final Sink sink = new Sink();
    private final EmbeddedChannel channel = new EmbeddedChannel(guard, sink);

    private void write(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    @Test
    void passesWellFormedPipelinedRequestsAndChecksEachHead() {
        String first = "POST http://a/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        String second = "POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nwxyz";
        String third = "GET http://a/ HTTP/1.1\r\nHost: a\r\nX-Bad: a\r\n b\r\n\r\n";
        write(first + second);
        assertThat(sink.passed.toString()).isEqualTo(first + second);
        assertThat(sink.failure).isNull();
        write(third);
        assertThat(sink.failure).isInstanceOf(MalformedRequestException.class)
                .hasMessageContaining("obsolete line folding");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void chunkBoundariesSplitAcrossReadsAreFollowed() {
        String request = "POST http://a/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a;ext=1\r\n0123456789\r\n0\r\nTrailer-A: x\r\n\r\n"
                + "GET http://a/next HTTP/1.1\r\nHost: a\r\n\r\n";
        for (char c : request.toCharArray()) {
            write(String.valueOf(c));
        }
        assertThat(sink.failure).isNull();
        assertThat(sink.passed.toString()).isEqualTo(request.replace("Trailer-A: x\r\n", "")); // trailers are dropped
        assertThat(sink.events).containsExactly(RequestFramingGuard.HeadEvent.STARTED,
                RequestFramingGuard.HeadEvent.COMPLETED, RequestFramingGuard.HeadEvent.STARTED,
                RequestFramingGuard.HeadEvent.COMPLETED);
        channel.finishAndReleaseAll();
    }

    @Test
    void bodyBytesThatLookLikeBadHeadersAreNotInspected() {
        String body = "\r\r\n\u0001 folded\n";
        write("POST http://a/ HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertThat(sink.failure).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void holdsBytesAfterConnectUntilTheTunnelIsUp() {
        write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\u0016\u0003\u0001hello");
        assertThat(sink.passed.toString()).isEqualTo("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        write("more tls");
        assertThat(sink.passed.toString()).doesNotContain("more tls");
        sink.passed.setLength(0);
        guard.releaseHeldBytes(channel.pipeline().context(guard));
        assertThat(sink.passed.toString()).isEqualTo("\u0016\u0003\u0001hellomore tls");
        channel.finishAndReleaseAll();
    }

    @Test
    void refusedUpgradeResumesHttpParsingOfHeldBytes() {
        write("GET http://a/ HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\nGET http://a/2 HTTP/1.1\r\n");
        assertThat(sink.passed.toString()).doesNotContain("/2");
        guard.resumeHttp(channel.pipeline().context(guard));
        write("Host: a\r\n\r\n");
        assertThat(sink.passed.toString()).endsWith("GET http://a/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(sink.failure).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void tooMuchEarlyDataAfterConnectIsRefused() {
        write("CONNECT example.com:443 HTTP/1.1\r\n\r\n");
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[300 * 1024]));
        assertThat(sink.failure).isInstanceOf(MalformedRequestException.class);
        assertThat(((MalformedRequestException) sink.failure).reason()).isEqualTo(MalformedReason.TOO_MUCH_EARLY_DATA);
        channel.finishAndReleaseAll();
    }
}
