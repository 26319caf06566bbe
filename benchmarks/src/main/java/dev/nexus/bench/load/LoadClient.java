package dev.nexus.bench.load;

import dev.nexus.proxy.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.HdrHistogram.Histogram;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end load generator: a fixed number of keep-alive connections, each sending the next
 * request as soon as the previous response completed (closed loop), warmed up before a measured
 * window. Speaks plain HTTP directly or through a proxy (absolute-form), and HTTPS directly or
 * through a proxy (CONNECT, then TLS with certificate and hostname verification). Responses whose
 * body length differs from {@code --expect-bytes} count as errors.
 *
 * <p>Prints one JSON line: requests, requests per second, latency percentiles in microseconds, errors.
 */
public final class LoadClient {

    private final URI url;
    private final InetSocketAddress proxy;
    private final int connections;
    private final long warmupNanos;
    private final long durationNanos;
    private final long expectBytes;
    private final boolean newConnectionPerRequest;
    private final List<String[]> headers;
    private final SslContext tls;
    private final boolean https;

    private final Histogram latencies = new Histogram(3_600_000_000L, 3);
    private long completed;
    private long errors;
    private long measureStart;
    private long measureEnd;
    private EventLoopGroup group;
    private Bootstrap bootstrap;
    private final CountDownLatch done = new CountDownLatch(1);

    private LoadClient(Args args) throws Exception {
        url = URI.create(args.value("--url", null));
        String proxyArg = args.value("--proxy", null);
        proxy = proxyArg == null ? null : new InetSocketAddress(proxyArg.substring(0, proxyArg.lastIndexOf(':')),
                Integer.parseInt(proxyArg.substring(proxyArg.lastIndexOf(':') + 1)));
        connections = Integer.parseInt(args.value("--connections", "32"));
        warmupNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args.value("--warmup", "5")));
        durationNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args.value("--duration", "15")));
        expectBytes = Long.parseLong(args.value("--expect-bytes", "-1"));
        newConnectionPerRequest = args.flag("--new-connection-per-request");
        headers = new ArrayList<>();
        for (String header : args.values("--header")) {
            int colon = header.indexOf(':');
            headers.add(new String[]{header.substring(0, colon).trim(), header.substring(colon + 1).trim()});
        }
        https = url.getScheme().equals("https");
        String caFile = args.value("--cacert", null);
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (caFile != null) {
            builder.trustManager(new File(caFile));
        }
        tls = https ? builder.build() : null;
    }

    public static void main(String[] argv) throws Exception {
        new LoadClient(new Args(argv)).run();
    }

    private int port() {
        return url.getPort() > 0 ? url.getPort() : (https ? 443 : 80);
    }

    private void run() throws InterruptedException {
        Transport transport = Transport.select("auto");
        group = transport.newEventLoopGroup(1, "load");
        bootstrap = new Bootstrap().group(group).channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        long start = System.nanoTime();
        measureStart = start + warmupNanos;
        measureEnd = measureStart + durationNanos;
        group.execute(() -> {
            for (int i = 0; i < connections; i++) {
                open();
            }
        });
        group.schedule(done::countDown, warmupNanos + durationNanos, TimeUnit.NANOSECONDS);
        done.await();
        double seconds = durationNanos / 1e9;
        System.out.printf(Locale.ROOT,
                "{\"url\":\"%s\",\"via\":\"%s\",\"connections\":%d,\"requests\":%d,\"rps\":%.1f,"
                        + "\"p50_us\":%d,\"p99_us\":%d,\"p999_us\":%d,\"max_us\":%d,\"errors\":%d}%n",
                url, proxy == null ? "direct" : "proxy", connections, completed, completed / seconds,
                latencies.getValueAtPercentile(50) / 1000, latencies.getValueAtPercentile(99) / 1000,
                latencies.getValueAtPercentile(99.9) / 1000, latencies.getMaxValue() / 1000, errors);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private boolean running() {
        return System.nanoTime() < measureEnd;
    }

    private void open() {
        if (!running()) {
            return;
        }
        InetSocketAddress target = proxy != null ? proxy : new InetSocketAddress(url.getHost(), port());
        bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (proxy != null && https) {
                    ch.pipeline().addLast("codec", new HttpClientCodec());
                    ch.pipeline().addLast("connect", new ConnectHandler());
                } else {
                    if (https) {
                        ch.pipeline().addLast(newSslHandler(ch));
                    }
                    ch.pipeline().addLast("codec", new HttpClientCodec());
                    ch.pipeline().addLast("requests", new RequestLoop(!https));
                }
            }
        }).connect(target).addListener(f -> {
            if (!f.isSuccess()) {
                errors++;
                group.schedule(this::open, 100, TimeUnit.MILLISECONDS);
            }
        });
    }

    private SslHandler newSslHandler(Channel ch) {
        SSLEngine engine = tls.newEngine(ch.alloc(), url.getHost(), port());
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return new SslHandler(engine);
    }

    private FullHttpRequest newRequest() {
        String path = url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        String target = proxy != null && !https ? url.getScheme() + "://" + url.getRawAuthority() + path : path;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        request.headers().set(HttpHeaderNames.HOST, url.getRawAuthority());
        for (String[] header : headers) {
            request.headers().add(header[0], header[1]);
        }
        return request;
    }

    /** CONNECT through the proxy, then TLS to the origin inside the tunnel. */
    private final class ConnectHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            String authority = url.getHost() + ":" + port();
            FullHttpRequest connect = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, authority);
            connect.headers().set(HttpHeaderNames.HOST, authority);
            ctx.writeAndFlush(connect);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse response && response.status().code() != 200) {
                errors++;
                ctx.close();
                return;
            }
            if (msg instanceof LastHttpContent) {
                ctx.pipeline().remove("codec");
                ctx.pipeline().addFirst(newSslHandler(ctx.channel()));
                ctx.pipeline().addLast("codec2", new HttpClientCodec());
                ctx.pipeline().addLast("requests", new RequestLoop(false));
                ctx.pipeline().remove(this);
            }
        }
    }

    /** Sends a request, waits for the whole response, records it, repeats. */
    private final class RequestLoop extends SimpleChannelInboundHandler<HttpObject> {
        private final boolean startOnActive;
        private long sentAt;
        private long bodyBytes;
        private boolean ok;

        RequestLoop(boolean startOnActive) {
            this.startOnActive = startOnActive;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (startOnActive && ctx.channel().isActive()) {
                send(ctx);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (startOnActive) {
                send(ctx);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                if (handshake.isSuccess()) {
                    send(ctx);
                } else {
                    errors++;
                    System.err.println("TLS handshake failed: " + handshake.cause());
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void send(ChannelHandlerContext ctx) {
            sentAt = System.nanoTime();
            bodyBytes = 0;
            ok = false;
            ctx.writeAndFlush(newRequest());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse response) {
                ok = response.status().code() == 200;
            }
            if (msg instanceof HttpContent content) {
                bodyBytes += content.content().readableBytes();
            }
            if (msg instanceof LastHttpContent) {
                long now = System.nanoTime();
                boolean valid = ok && (expectBytes < 0 || bodyBytes == expectBytes);
                if (now >= measureStart && now < measureEnd) {
                    if (valid) {
                        completed++;
                        latencies.recordValue(Math.min(now - sentAt, latencies.getHighestTrackableValue()));
                    } else {
                        errors++;
                    }
                }
                if (!running()) {
                    ctx.close();
                } else if (newConnectionPerRequest) {
                    ctx.close();
                    open();
                } else {
                    send(ctx);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (running() && !newConnectionPerRequest) {
                errors++;
                open();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Minimal flag parsing: {@code --name value}, repeated flags, boolean flags. */
    private static final class Args {
        private final String[] argv;

        Args(String[] argv) {
            this.argv = argv;
        }

        String value(String name, String fallback) {
            for (int i = 0; i < argv.length - 1; i++) {
                if (argv[i].equals(name)) {
                    return argv[i + 1];
                }
            }
            if (fallback == null && !name.equals("--proxy") && !name.equals("--cacert")) {
                throw new IllegalArgumentException("missing " + name);
            }
            return fallback;
        }

        List<String> values(String name) {
            List<String> found = new ArrayList<>();
            for (int i = 0; i < argv.length - 1; i++) {
                if (argv[i].equals(name)) {
                    found.add(argv[i + 1]);
                }
            }
            return found;
        }

        boolean flag(String name) {
            for (String arg : argv) {
                if (arg.equals(name)) {
                    return true;
                }
            }
            return false;
        }
    }
}
