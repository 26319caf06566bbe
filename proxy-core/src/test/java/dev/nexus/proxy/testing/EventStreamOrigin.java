package dev.nexus.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real server-sent events origin on 127.0.0.1: every request gets {@code 200 text/event-stream}, chunked,
 * and one event ({@code data: tick N}) every 50 ms, at most {@link #MAX_EVENTS} of them, then the stream ends.
 * Remembers the request heads (credentials included) and counts the streams whose connection went away
 * before they were complete.
 */
public final class EventStreamOrigin implements AutoCloseable {

    /** Bounds every stream (about 100 s), so a test that fails to end one cannot hang the origin. */
    public static final int MAX_EVENTS = 2000;
    private static final long INTERVAL_MILLIS = 50;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final List<HttpRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger cutStreams = new AtomicInteger();

    private EventStreamOrigin() throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Streamer());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    public static EventStreamOrigin start() throws InterruptedException {
        return new EventStreamOrigin();
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + path;
    }

    public List<HttpRequest> requests() {
        return requests;
    }

    /** How many streams lost their connection before their last event. */
    public int cutStreams() {
        return cutStreams.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Streamer extends SimpleChannelInboundHandler<HttpObject> {
        private ScheduledFuture<?> ticker;
        private int sent;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest request) {
                requests.add(request);
            }
            if (msg instanceof LastHttpContent && ticker == null) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.writeAndFlush(head);
                ticker = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        private void tick(ChannelHandlerContext ctx) {
            if (sent == MAX_EVENTS) {
                ticker.cancel(false);
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            sent++;
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("data: tick " + sent + "\n\n",
                    StandardCharsets.UTF_8)));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ticker != null && !ticker.isDone()) {
                ticker.cancel(false);
                cutStreams.incrementAndGet();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
