package dev.nexus.proxy.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The smallest CONNECT front that wires {@link InterceptingTlsHandler} the way the proxy will: answer
 * {@code CONNECT host:port} with 200, swap the HTTP codec for the intercepting handler, and serve the
 * decrypted HTTP/1.1 requests with "hello &lt;connect host&gt; &lt;path&gt;". Refusal events are collected.
 */
final class TestConnectFront implements AutoCloseable {

    final Queue<InterceptionRefusedEvent> refusals = new ConcurrentLinkedQueue<>();
    private final Channel serverChannel;

    TestConnectFront(EventLoopGroup group, InterceptionContexts contexts) throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("codec", new HttpServerCodec());
                        ch.pipeline().addLast("connect", new ConnectHandler(contexts));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
    }

    /** Turns the connection into an intercepted tunnel once the CONNECT request is complete. */
    private final class ConnectHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final InterceptionContexts contexts;
        private String connectHost;

        ConnectHandler(InterceptionContexts contexts) {
            this.contexts = contexts;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest request) {
                if (!HttpMethod.CONNECT.equals(request.method())) {
                    ctx.close();
                    return;
                }
                String authority = request.uri();
                connectHost = authority.substring(0, authority.lastIndexOf(':'));
            }
            if (msg instanceof LastHttpContent && connectHost != null) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        new HttpResponseStatus(200, "Connection Established")));
                ctx.pipeline().remove("codec");
                ctx.pipeline().replace(this, "intercept", new InterceptingTlsHandler(connectHost, contexts));
                ctx.pipeline().addLast("decrypted-codec", new HttpServerCodec());
                ctx.pipeline().addLast("responder", new Responder(connectHost));
            }
        }
    }

    /** Answers each decrypted request; records refusal events that reach the end of the pipeline. */
    private final class Responder extends SimpleChannelInboundHandler<HttpObject> {
        private final String connectHost;

        Responder(String connectHost) {
            this.connectHost = connectHost;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest request) {
                String protocol = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                byte[] body = ("hello " + connectHost + " " + request.uri() + " alpn=" + protocol)
                        .getBytes(StandardCharsets.UTF_8);
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body));
                HttpUtil.setContentLength(response, body.length);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                ctx.writeAndFlush(response);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof InterceptionRefusedEvent refused) {
                refusals.add(refused);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
