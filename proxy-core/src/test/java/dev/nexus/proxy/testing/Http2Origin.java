package dev.nexus.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 origin on 127.0.0.1 made of Netty's frame codec: h2 over TLS (ALPN) or, without TLS, h2c with prior
 * knowledge. Every stream's request head is recorded and handed to a {@link Handler}, which answers, resets or
 * sends GOAWAY as the test wants. It counts connections (accepted and open), the most streams one connection had
 * open at once, and the RST_STREAM frames it received.
 */
public final class Http2Origin implements AutoCloseable {

    /** What the origin does with a request head; runs on the stream's event loop. */
    @FunctionalInterface
    public interface Handler {
        void onRequest(Http2StreamChannel stream, Http2Headers headers) throws Exception;
    }

    private static final AttributeKey<AtomicInteger> OPEN_STREAMS = AttributeKey.valueOf("test-open-streams");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostStreamsAtOnce = new AtomicInteger();
    private final List<Http2Headers> requests = new CopyOnWriteArrayList<>();
    private final List<Long> resets = new CopyOnWriteArrayList<>();

    private Http2Origin(SslContext tls, long maxConcurrentStreams, Handler handler) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.attr(OPEN_STREAMS).set(new AtomicInteger());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                        .initialSettings(Http2Settings.defaultSettings()
                                                .maxConcurrentStreams(maxConcurrentStreams))
                                        .build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new StreamHandler(handler));
                                    }
                                }));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    /** h2 over TLS when {@code tls} is given (it must offer ALPN h2), else h2c with prior knowledge. */
    public static Http2Origin start(SslContext tls, long maxConcurrentStreams, Handler handler)
            throws InterruptedException {
        return new Http2Origin(tls, maxConcurrentStreams, handler);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public int connectionsAccepted() {
        return accepted.get();
    }

    public int openConnections() {
        return open.get();
    }

    public int mostStreamsAtOnce() {
        return mostStreamsAtOnce.get();
    }

    /** Request heads in arrival order. */
    public List<Http2Headers> requests() {
        return requests;
    }

    /** Error codes of the RST_STREAM frames received. */
    public List<Long> resetsReceived() {
        return resets;
    }

    /** Answers 200 with {@code body} as text, ending the stream. */
    public static void respond(Http2StreamChannel stream, String body) {
        stream.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                .set("content-type", "text/plain")));
        stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), true));
    }

    /** Answers every request with 200 and its path. */
    public static Handler echoPath() {
        return (stream, headers) -> respond(stream, "path=" + headers.path());
    }

    /** Holds requests until {@code count} have arrived (on any connection), then answers each with its path. */
    public static Handler answerWhenAllArrived(int count) {
        List<Http2StreamChannel> held = new CopyOnWriteArrayList<>();
        List<String> paths = new CopyOnWriteArrayList<>();
        return (stream, headers) -> {
            synchronized (held) {
                held.add(stream);
                paths.add(headers.path().toString());
                if (held.size() == count) {
                    for (int i = 0; i < held.size(); i++) {
                        Http2StreamChannel waiting = held.get(i);
                        String path = paths.get(i);
                        waiting.eventLoop().execute(() -> respond(waiting, "path=" + path));
                    }
                }
            }
        };
    }

    /** GOAWAY on the stream's connection, saying streams above {@code lastStreamId} will not be processed. */
    public static void goAway(Http2StreamChannel stream, int lastStreamId) throws Exception {
        ChannelHandlerContext codec = stream.parent().pipeline().context(Http2FrameCodec.class);
        ((Http2FrameCodec) codec.handler()).goAway(codec, lastStreamId, Http2Error.NO_ERROR.code(),
                Unpooled.EMPTY_BUFFER, codec.newPromise());
        codec.flush();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final Handler handler;

        StreamHandler(Handler handler) {
            this.handler = handler;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            AtomicInteger streams = ctx.channel().parent().attr(OPEN_STREAMS).get();
            mostStreamsAtOnce.accumulateAndGet(streams.incrementAndGet(), Math::max);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ctx.channel().parent().attr(OPEN_STREAMS).get().decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            try {
                if (msg instanceof Http2HeadersFrame head && head.headers().method() != null) {
                    requests.add(head.headers());
                    handler.onRequest((Http2StreamChannel) ctx.channel(), head.headers());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame reset) {
                resets.add(reset.errorCode());
            }
            ReferenceCountUtil.release(evt);
        }
    }
}
