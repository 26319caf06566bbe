package dev.nexus.proxy.upstream;

import dev.nexus.proxy.testing.Http2Origin;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.RawHttp2Connection;
import dev.nexus.proxy.testing.RawHttp2Connection.Frame;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.nexus.proxy.testing.RawHttp2Connection.DATA;
import static dev.nexus.proxy.testing.RawHttp2Connection.HEADERS;
import static dev.nexus.proxy.testing.RawHttp2Connection.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One stream from an h2c agent (raw frames inside a CONNECT) to an h2c origin (prior knowledge), frame by frame:
 * trailers and Trailers-Only answers reach the agent as the origin sent them, resets cross in both directions
 * with their error code, and a slow agent holds the origin back through flow control.
 */
class Http2UpstreamStreamsTest {

    private static final int WINDOW_UPDATE = 8;

    @TempDir
    Path dir;
    private Http2Origin origin;
    private InterceptingProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private RawHttp2Connection agentTo(Http2Origin.Handler handler) throws Exception {
        origin = Http2Origin.start(null, 100, handler);
        proxy = new InterceptingProxy(dir, null);
        return RawHttp2Connection.open(proxy.harness().address(), authority());
    }

    private String authority() {
        return "127.0.0.1:" + origin.port();
    }

    private static Http2Headers grpcHead() {
        return new DefaultHttp2Headers().status("200").set("content-type", "application/grpc");
    }

    @Test
    void trailersFromTheOriginBecomeTheAgentsTrailers() throws Exception {
        try (RawHttp2Connection agent = agentTo((stream, headers) -> {
            stream.write(new DefaultHttp2HeadersFrame(grpcHead()));
            stream.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("message", StandardCharsets.UTF_8)));
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0")
                    .set("grpc-message", "done"), true));
        })) {
            agent.headers(1, RawHttp2Connection.get(authority(), "/pkg.Service/Call"), true);
            Frame head = agent.readUntil(HEADERS, 1);
            assertThat(head.endStream()).isFalse();
            assertThat(agent.decode(head).get("content-type")).hasToString("application/grpc");
            assertThat(new String(agent.readUntil(DATA, 1).payload(), StandardCharsets.UTF_8)).isEqualTo("message");
            Frame trailers = agent.readUntil(HEADERS, 1);
            assertThat(trailers.endStream()).isTrue();
            assertThat(agent.decode(trailers).get("grpc-status")).hasToString("0");
            assertThat(agent.decode(trailers).get("grpc-message")).hasToString("done");
        }
    }

    @Test
    void aTrailersOnlyAnswerStaysOneHeadersFrameWithEndStream() throws Exception {
        try (RawHttp2Connection agent = agentTo((stream, headers) -> stream.writeAndFlush(new DefaultHttp2HeadersFrame(
                grpcHead().set("grpc-status", "5").set("grpc-message", "no such thing"), true)))) {
            agent.headers(1, RawHttp2Connection.get(authority(), "/pkg.Service/Missing"), true);
            Frame answer = agent.read();
            while (answer != null && answer.streamId() != 1) {
                answer = agent.read();
            }
            assertThat(answer).isNotNull();
            assertThat(answer.type()).isEqualTo(HEADERS);
            assertThat(answer.endStream()).as("gRPC reads the status only from a HEADERS frame that ends the stream")
                    .isTrue();
            assertThat(agent.decode(answer).get("grpc-status")).hasToString("5");
            assertThat(agent.decode(answer).get("grpc-message")).hasToString("no such thing");
        }
    }

    @Test
    void anOriginResetBeforeAnsweringResetsTheAgentsStreamWithTheSameCode() throws Exception {
        try (RawHttp2Connection agent = agentTo((stream, headers) ->
                stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.ENHANCE_YOUR_CALM)))) {
            agent.headers(1, RawHttp2Connection.get(authority(), "/calm"), true);
            Frame reset = agent.readUntil(RST_STREAM, 1);
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
            // the connection lives on
            agent.headers(3, RawHttp2Connection.get(authority(), "/next"), true);
            assertThat(agent.readUntil(RST_STREAM, 3).errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void anOriginResetMidResponseResetsTheAgentsStreamWithTheSameCode() throws Exception {
        try (RawHttp2Connection agent = agentTo((stream, headers) -> {
            stream.write(new DefaultHttp2HeadersFrame(grpcHead()));
            stream.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)));
            stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        })) {
            agent.headers(1, RawHttp2Connection.get(authority(), "/cut"), true);
            assertThat(agent.decode(agent.readUntil(HEADERS, 1)).status()).hasToString("200");
            Frame reset = agent.readUntil(RST_STREAM, 1);
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).isEqualTo((int) Http2Error.INTERNAL_ERROR.code());
        }
    }

    @Test
    void anAgentResetResetsTheOriginsStream() throws Exception {
        try (RawHttp2Connection agent = agentTo((stream, headers) -> { })) {
            Http2Headers upload = new DefaultHttp2Headers().method("POST").scheme("http").authority(authority())
                    .path("/upload");
            agent.headers(1, upload, false); // the body is still to come
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.requests().size() == 1);
            agent.rstStream(1, (int) Http2Error.CANCEL.code());
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.resetsReceived().contains(Http2Error.CANCEL.code()));
        }
    }

    @Test
    void anAgentThatDoesNotReadHoldsTheOriginBack() throws Exception {
        int total = 8 * 1024 * 1024;
        AtomicLong accepted = new AtomicLong();
        AtomicBoolean blocked = new AtomicBoolean();
        try (RawHttp2Connection agent = agentTo((stream, headers) -> {
            stream.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    pump(stream, total, accepted, blocked);
                }
            });
            pump(stream, total, accepted, blocked);
        })) {
            agent.headers(1, RawHttp2Connection.get(authority(), "/large"), true);
            await().atMost(Duration.ofSeconds(10)).until(blocked::get);
            assertThat(accepted.get()).as("what the origin could send while the agent read nothing")
                    .isLessThan(total / 2);
            long received = 0;
            Frame frame;
            do {
                frame = agent.readUntil(DATA, 1);
                assertThat(frame).as("the response continues once the agent reads").isNotNull();
                received += frame.payload().length;
                byte[] increment = ByteBuffer.allocate(4).putInt(Math.max(1, frame.payload().length)).array();
                agent.frame(WINDOW_UPDATE, 0, 1, increment).frame(WINDOW_UPDATE, 0, 0, increment);
            } while (!frame.endStream());
            assertThat(received).isEqualTo(total);
        }
    }

    /** Writes 16 KiB DATA frames while the stream takes them; {@code blocked} says it stopped short. */
    private static void pump(Http2StreamChannel stream, int total, AtomicLong accepted, AtomicBoolean blocked) {
        byte[] chunk = new byte[16 * 1024];
        while (stream.isWritable() && accepted.get() < total) {
            boolean last = accepted.addAndGet(chunk.length) >= total;
            stream.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(chunk), last));
        }
        stream.flush();
        blocked.set(accepted.get() < total);
    }
}
