package dev.nexus.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
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
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP origin on 127.0.0.1 (or another local address) for tests, built on Netty. Ordinary requests are
 * aggregated, recorded and answered by a {@link Responder}. Two paths stream instead, so that large transfers
 * stay flat in memory: {@code /bytes/N} sends N bytes (Content-Length), {@code /upload} counts the
 * request body and answers with the count. Counts accepted connections for keep-alive checks, and uploads
 * whose body is still arriving.
 */
public final class TestOrigin implements AutoCloseable {

    /** Answers one aggregated request; may complete later (slow origins). */
    @FunctionalInterface
    public interface Responder {
        CompletionStage<FullHttpResponse> respond(RecordedRequest request);

        static Responder of(Function<RecordedRequest, FullHttpResponse> sync) {
            return request -> CompletableFuture.completedFuture(sync.apply(request));
        }
    }

    private static final int MAX_AGGREGATED = 8 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<Channel> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger uploadsArriving = new AtomicInteger();
    private final AtomicInteger mostUploadsArriving = new AtomicInteger();

    private TestOrigin(InetAddress address, SslContext tls, Responder responder, boolean webSocketEcho)
            throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        accepted.add(ch);
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec());
                        if (webSocketEcho) {
                            ch.pipeline().addLast(new HttpObjectAggregator(65536),
                                    new WebSocketServerProtocolHandler("/ws"), new WebSocketEcho());
                        } else {
                            ch.pipeline().addLast(new ChunkedWriteHandler(), new OriginHandler(responder));
                        }
                    }
                })
                .bind(new InetSocketAddress(address, 0)).sync().channel();
    }

    /** An origin on another local address, e.g. ::1 for IPv6 tests. */
    public static TestOrigin startOn(InetAddress address, Responder responder) throws InterruptedException {
        return new TestOrigin(address, null, responder, false);
    }

    public static TestOrigin start(Responder responder) throws InterruptedException {
        return new TestOrigin(InetAddress.getLoopbackAddress(), null, responder, false);
    }

    /** Answers every ordinary request with 200 and {@code hello from origin}. */
    public static TestOrigin start() throws InterruptedException {
        return start(Responder.of(request -> text(HttpResponseStatus.OK, "hello from origin")));
    }

    public static TestOrigin startTls(SslContext tls, Responder responder) throws InterruptedException {
        return new TestOrigin(InetAddress.getLoopbackAddress(), tls, responder, false);
    }

    /** An origin that upgrades {@code /ws} to WebSocket and echoes text frames. */
    public static TestOrigin startWebSocketEcho() throws InterruptedException {
        return new TestOrigin(InetAddress.getLoopbackAddress(), null, null, true);
    }

    /** The WebSocket echo origin over TLS ({@code wss}). */
    public static TestOrigin startWebSocketEcho(SslContext tls) throws InterruptedException {
        return new TestOrigin(InetAddress.getLoopbackAddress(), tls, null, true);
    }

    public static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code http://127.0.0.1:PORT} (or {@code http://[::1]:PORT}) followed by {@code path}. */
    public String url(String path) {
        return "http://" + NetUtil.toSocketAddressString((InetSocketAddress) server.localAddress()) + path;
    }

    public int connectionsAccepted() {
        return connections.get();
    }

    /** {@code /upload} requests whose head arrived and whose body has not ended yet. */
    public int uploadsInProgress() {
        return uploadsArriving.get();
    }

    /** The most {@code /upload} requests that were in progress at once. */
    public int mostUploadsInProgress() {
        return mostUploadsArriving.get();
    }

    public List<RecordedRequest> requests() {
        return requests;
    }

    public RecordedRequest lastRequest() {
        return requests.isEmpty() ? null : requests.get(requests.size() - 1);
    }

    /** Resets every accepted connection at once (RST), as a crashing origin would. */
    public void resetAllConnections() {
        for (Channel channel : accepted) {
            channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
            channel.close();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class OriginHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final Responder responder;
        private HttpRequest head;
        private CompositeByteBuf body;
        private boolean streamingUpload;
        private long uploaded;

        OriginHandler(Responder responder) {
            super(false);
            this.responder = responder;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            try {
                if (msg instanceof HttpRequest request && head == null
                        && ("PRI".equals(request.method().name()) || request.decoderResult().isFailure())) {
                    // An HTTP/1.1 server refuses what it cannot decode, such as the HTTP/2 preface of h2c prior
                    // knowledge ("PRI * HTTP/2.0"), with 400 as nginx does.
                    FullHttpResponse refused = text(HttpResponseStatus.BAD_REQUEST, "");
                    refused.headers().set(HttpHeaderNames.CONNECTION, "close");
                    ctx.writeAndFlush(refused).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                    return;
                }
                if (head == null && !(msg instanceof HttpRequest)) {
                    return; // the rest of a refused preface
                }
                if (msg instanceof HttpRequest request) {
                    head = request;
                    streamingUpload = request.uri().startsWith("/upload");
                    uploaded = 0;
                    if (streamingUpload) {
                        mostUploadsArriving.accumulateAndGet(uploadsArriving.incrementAndGet(), Math::max);
                    }
                    body = streamingUpload ? null : ctx.alloc().compositeBuffer(1024);
                }
                if (msg instanceof HttpContent content) {
                    ByteBuf data = content.content();
                    if (streamingUpload) {
                        uploaded += data.readableBytes();
                    } else if (body.readableBytes() + data.readableBytes() <= MAX_AGGREGATED) {
                        body.addComponent(true, data.retain());
                    }
                    if (msg instanceof LastHttpContent) {
                        complete(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void complete(ChannelHandlerContext ctx) {
            HttpHeaders headers = new DefaultHttpHeaders().add(head.headers());
            if (streamingUpload) {
                streamingUpload = false;
                uploadsArriving.decrementAndGet();
                requests.add(new RecordedRequest(head.method().name(), head.uri(), headers, new byte[0], uploaded));
                ctx.writeAndFlush(text(HttpResponseStatus.OK, "received " + uploaded + " bytes"));
                return;
            }
            byte[] bytes = ByteBufUtil.getBytes(body);
            body.release();
            body = null;
            RecordedRequest recorded = new RecordedRequest(head.method().name(), head.uri(), headers, bytes, bytes.length);
            requests.add(recorded);
            if (head.uri().startsWith("/bytes/")) {
                long size = Long.parseLong(head.uri().substring("/bytes/".length()));
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setContentLength(response, size);
                ctx.write(response);
                ctx.writeAndFlush(new PatternInput(size));
                return;
            }
            responder.respond(recorded).whenComplete((response, error) -> {
                if (error != null) {
                    ctx.close();
                } else if (response == null) {
                    ctx.close(); // responders return null to simulate an origin that hangs up
                } else if (HttpUtil.isKeepAlive(head)) {
                    ctx.writeAndFlush(response);
                } else {
                    ctx.writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (streamingUpload) {
                streamingUpload = false;
                uploadsArriving.decrementAndGet(); // cut before its end
            }
            if (body != null) {
                body.release();
                body = null;
            }
            ctx.fireChannelInactive();
        }
    }

    /** N bytes of a repeating pattern, produced on demand as the connection can take them. */
    private static final class PatternInput implements ChunkedInput<HttpContent> {
        private static final int CHUNK = 64 * 1024;
        /** The pattern byte at offset i is i % 251; a prefix long enough to copy any chunk from any phase. */
        private static final byte[] PATTERN = new byte[CHUNK + 251];

        static {
            for (int i = 0; i < PATTERN.length; i++) {
                PATTERN[i] = (byte) (i % 251);
            }
        }

        private final long length;
        private long produced;

        PatternInput(long length) {
            this.length = length;
        }

        @Override
        public boolean isEndOfInput() {
            return produced >= length;
        }

        @Override
        public void close() {
        }

        @Override
        @Deprecated
        public HttpContent readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public HttpContent readChunk(io.netty.buffer.ByteBufAllocator allocator) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(CHUNK, length - produced);
            ByteBuf buf = allocator.buffer(n);
            buf.writeBytes(PATTERN, (int) (produced % 251), n);
            produced += n;
            return produced >= length ? new io.netty.handler.codec.http.DefaultLastHttpContent(buf)
                    : new io.netty.handler.codec.http.DefaultHttpContent(buf);
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return produced;
        }
    }

    private static final class WebSocketEcho extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            ctx.writeAndFlush(new TextWebSocketFrame("echo: " + frame.text()));
        }
    }
}
