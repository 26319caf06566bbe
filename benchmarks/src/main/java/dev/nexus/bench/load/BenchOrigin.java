package dev.nexus.bench.load;

import dev.nexus.proxy.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark origin, on one event loop:
 * <ul>
 *   <li>{@code /bytes/N}: N bytes (streamed in 64 KiB pieces);</li>
 *   <li>{@code /header/NAME}: the value of request header NAME as the body (empty if absent), so a
 *   benchmark can check that a proxy really injected a header;</li>
 *   <li>any other path: a fixed 1 KiB body.</li>
 * </ul>
 * Keep-alive throughout. Listens on 127.0.0.1 on every {@code --http PORT}, and with
 * {@code --https PORT --cert PEM --key PKCS8-PEM} also serves HTTPS with that certificate; with
 * {@code --h2 PORT} (and the same certificate) HTTPS offering h2 by ALPN, each stream answered as above.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.nexus.bench.load.BenchOrigin --http 18080 [--http 18081]
 * [--https 18443] [--h2 18444] [--cert cert.pem --key key.pem]}
 */
public final class BenchOrigin {

    private static final ByteBuf ONE_KIB = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1024).writeBytes(new byte[1024]).asReadOnly());
    private static final ByteBuf SIXTY_FOUR_KIB = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(65536).writeBytes(new byte[65536]).asReadOnly());

    private BenchOrigin() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> httpPorts = new ArrayList<>();
        int httpsPort = -1;
        int h2Port = -1;
        File cert = null;
        File key = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--http" -> httpPorts.add(Integer.parseInt(args[i + 1]));
                case "--https" -> httpsPort = Integer.parseInt(args[i + 1]);
                case "--h2" -> h2Port = Integer.parseInt(args[i + 1]);
                case "--cert" -> cert = new File(args[i + 1]);
                case "--key" -> key = new File(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if ((httpsPort > 0 || h2Port > 0) && (cert == null || key == null)) {
            throw new IllegalArgumentException("--https and --h2 need --cert and --key");
        }
        Transport transport = Transport.select("auto");
        EventLoopGroup group = transport.newEventLoopGroup(1, "origin");
        for (int port : httpPorts) {
            bind(transport, group, port, null);
        }
        if (httpsPort > 0) {
            bind(transport, group, httpsPort, SslContextBuilder.forServer(cert, key).build());
        }
        if (h2Port > 0) {
            bind(transport, group, h2Port, SslContextBuilder.forServer(cert, key).applicationProtocolConfig(
                    new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)).build());
        }
        System.out.println("origin ready: http " + httpPorts + (httpsPort > 0 ? ", https " + httpsPort : "")
                + (h2Port > 0 ? ", h2 " + h2Port : ""));
        group.terminationFuture().sync();
    }

    private static void bind(Transport transport, EventLoopGroup group, int port, SslContext tls) throws InterruptedException {
        new ServerBootstrap().group(group).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls == null) {
                            ch.pipeline().addLast(new HttpServerCodec(), new Responder());
                            return;
                        }
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ProtocolChoice());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync();
    }

    /** HTTP/2 when the client chose it by ALPN (a stream codec and a {@link Responder} per stream), else HTTP/1.1. */
    private static final class ProtocolChoice extends ApplicationProtocolNegotiationHandler {
        ProtocolChoice() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                ctx.pipeline().addLast(new HttpServerCodec(), new Responder());
                return;
            }
            ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel stream) {
                            stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Responder());
                        }
                    }));
        }
    }

    private static final class Responder extends SimpleChannelInboundHandler<HttpObject> {
        private HttpRequest request;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest r) {
                request = r;
            }
            if (msg instanceof LastHttpContent) {
                respond(ctx, request);
            }
        }

        private static void respond(ChannelHandlerContext ctx, HttpRequest request) {
            String uri = request.uri();
            if (uri.startsWith("/bytes/")) {
                streamBytes(ctx, Long.parseLong(uri.substring("/bytes/".length())));
                return;
            }
            ByteBuf body;
            if (uri.startsWith("/header/")) {
                String value = request.headers().get(uri.substring("/header/".length()), "");
                body = Unpooled.copiedBuffer(value, StandardCharsets.UTF_8);
            } else {
                body = ONE_KIB.duplicate();
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            HttpUtil.setContentLength(response, body.readableBytes());
            ctx.writeAndFlush(response);
        }

        private static void streamBytes(ChannelHandlerContext ctx, long size) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(head, size);
            ctx.write(head);
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(left, SIXTY_FOUR_KIB.readableBytes());
                ctx.write(new DefaultHttpContent(SIXTY_FOUR_KIB.duplicate().slice(0, n)));
                left -= n;
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }
}
