package dev.nexus.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import dev.nexus.proxy.transport.Transport;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark origin: answers {@code /1k} (or any path) with a fixed 1 KiB body and
 * {@code /bytes/N} with N bytes, keep-alive, as fast as one event loop allows. With {@code --tls CERT_OUT}
 * it serves HTTPS with a self-signed certificate for localhost written to CERT_OUT.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.nexus.bench.load.BenchOrigin PORT [--tls CERT_OUT]}
 */
public final class BenchOrigin {

    private static final ByteBuf ONE_KIB = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1024).writeBytes(new byte[1024]).asReadOnly());
    private static final ByteBuf SIXTY_FOUR_KIB = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(65536).writeBytes(new byte[65536]).asReadOnly());

    private BenchOrigin() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        SslContext tls = null;
        if (args.length > 2 && args[1].equals("--tls")) {
            SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
            Files.copy(certificate.certificate().toPath(), Path.of(args[2]),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            tls = SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
        }
        Transport transport = Transport.select("auto");
        EventLoopGroup group = transport.newEventLoopGroup(1, "origin");
        SslContext serverTls = tls;
        Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (serverTls != null) {
                            ch.pipeline().addLast(serverTls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new Responder());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        System.out.println("origin listening on " + server.localAddress() + (tls != null ? " (tls)" : ""));
        server.closeFuture().sync();
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
                long size = Long.parseLong(uri.substring(7));
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setContentLength(head, size);
                ctx.write(head);
                long left = size;
                while (left > 0) {
                    int n = (int) Math.min(left, SIXTY_FOUR_KIB.readableBytes());
                    HttpContent piece = new DefaultHttpContent(SIXTY_FOUR_KIB.duplicate().slice(0, n));
                    left -= n;
                    ctx.write(piece);
                }
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    ONE_KIB.duplicate());
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            HttpUtil.setContentLength(response, 1024);
            ctx.writeAndFlush(response);
        }
    }
}
