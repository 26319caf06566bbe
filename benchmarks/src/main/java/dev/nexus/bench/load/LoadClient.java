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
import io.netty.handler.codec.http.HttpUtil;
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
 * The end-to-end load generator. Two modes:
 * <ul>
 *   <li><b>closed loop</b> (default): a fixed number of connections, each sending the next request as soon as
 *   the previous response completed, warmed up before a measured window; only responses completed inside
 *   the window count.</li>
 *   <li><b>burst</b> ({@code --burst}): every connection is opened (and its CONNECT/TLS set up) first, then
 *   all send exactly one request at the same moment; time to first byte (response head) is recorded per
 *   request. This is the cold-credential scenario: N agents hitting a connection whose lease is not cached.</li>
 * </ul>
 * Speaks plain HTTP directly or through a proxy (absolute-form, or inside a {@code CONNECT} tunnel with
 * {@code --tunnel}), and HTTPS directly or through a proxy ({@code CONNECT}, then TLS with certificate and
 * hostname verification against {@code --cacert}). A response that is not 200, or whose body length differs
 * from {@code --expect-bytes}, counts as an error; so does a connection lost with a request in flight.
 * A server that closes after a response (no keep-alive), or closes a reused keep-alive connection before any
 * byte of the next response (HTTP clients re-send an idempotent request then), is not an error: the client
 * reconnects and counts it in {@code reconnects}.
 * <p>
 * With {@code --cpu-pid PID} the client reads that process's CPU time from {@code /proc} exactly at the
 * start and end of the measured window and resets/reads its peak RSS, so CPU per request is the proxy's
 * cost for exactly the requests counted.
 * <p>
 * With {@code --windows N} (closed loop only) the measured window repeats N times back to back on the same
 * connections, one JSON line each, with its start in seconds since the load began ({@code t_s}): how the
 * proxy's cost per request changes while it warms up.
 * <p>
 * Prints one JSON line on stdout.
 */
public final class LoadClient {

    private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final URI url;
    private final InetSocketAddress proxy;
    private final int connections;
    private final long warmupNanos;
    private final long durationNanos;
    private final int windows;
    private final long expectBytes;
    private final boolean newConnectionPerRequest;
    private final boolean tunnel;
    private final boolean burst;
    private final List<String[]> headers;
    private final SslContext tls;
    private final boolean https;
    private final boolean verifyHostname;
    private final ProcessSampler sampler;

    private final Histogram latencies = new Histogram(MAX_LATENCY_NANOS, 3);
    private long loadStart;
    private int window;
    private final Histogram firstByte = new Histogram(MAX_LATENCY_NANOS, 3);
    // All mutable state below is touched only on the single event loop thread.
    private long completed;
    private long errors;
    private long reconnects;
    private long bodyBytesInWindow;
    private String firstError;
    private long measureStart;
    private long measureEnd;
    private ProcessSampler.CpuTime cpuAtStart;
    private ProcessSampler.CpuTime cpuAtEnd;
    private long peakRssKib = -1;
    private final List<RequestLoop> burstReady = new ArrayList<>();
    private int burstFinished;
    private EventLoopGroup group;
    private Bootstrap bootstrap;
    private final CountDownLatch done = new CountDownLatch(1);

    private LoadClient(Args args) throws Exception {
        url = URI.create(args.required("--url"));
        String proxyArg = args.optional("--proxy");
        proxy = proxyArg == null ? null : new InetSocketAddress(proxyArg.substring(0, proxyArg.lastIndexOf(':')),
                Integer.parseInt(proxyArg.substring(proxyArg.lastIndexOf(':') + 1)));
        connections = Integer.parseInt(args.value("--connections", "32"));
        warmupNanos = TimeUnit.MILLISECONDS.toNanos((long) (Double.parseDouble(args.value("--warmup", "5")) * 1000));
        durationNanos = TimeUnit.MILLISECONDS.toNanos((long) (Double.parseDouble(args.value("--duration", "15")) * 1000));
        windows = Integer.parseInt(args.value("--windows", "1"));
        expectBytes = Long.parseLong(args.value("--expect-bytes", "-1"));
        newConnectionPerRequest = args.flag("--new-connection-per-request");
        tunnel = args.flag("--tunnel");
        burst = args.flag("--burst");
        headers = new ArrayList<>();
        for (String header : args.values("--header")) {
            int colon = header.indexOf(':');
            headers.add(new String[]{header.substring(0, colon).trim(), header.substring(colon + 1).trim()});
        }
        https = url.getScheme().equals("https");
        // privoxy's minted leaves carry the host in the CN only, which JDK hostname verification ignores for IPs.
        verifyHostname = !args.flag("--no-hostname-verification");
        if (windows < 1 || (windows > 1 && burst)) {
            throw new IllegalArgumentException("--windows needs a positive count and the closed loop");
        }
        if (tunnel && proxy == null) {
            throw new IllegalArgumentException("--tunnel needs --proxy");
        }
        String caFile = args.optional("--cacert");
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (caFile != null) {
            builder.trustManager(new File(caFile));
        }
        tls = https ? builder.build() : null;
        String pid = args.optional("--cpu-pid");
        sampler = pid == null ? null : new ProcessSampler(Long.parseLong(pid), Long.parseLong(args.value("--clk-tck", "100")));
    }

    public static void main(String[] argv) throws Exception {
        new LoadClient(new Args(argv)).run();
    }

    private int port() {
        return url.getPort() > 0 ? url.getPort() : (https ? 443 : 80);
    }

    private boolean connectsThroughTunnel() {
        return proxy != null && (https || tunnel);
    }

    private void run() throws InterruptedException {
        Transport transport = Transport.select("auto");
        group = transport.newEventLoopGroup(1, "load");
        bootstrap = new Bootstrap().group(group).channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        long start = System.nanoTime();
        loadStart = start;
        measureStart = burst ? start : start + warmupNanos;
        measureEnd = measureStart + durationNanos;
        group.execute(() -> {
            if (sampler != null && burst) {
                startWindow();
            }
            for (int i = 0; i < connections; i++) {
                open();
            }
        });
        if (sampler != null && !burst) {
            group.schedule(this::startWindow, measureStart - start, TimeUnit.NANOSECONDS);
        }
        group.schedule(this::finish, measureEnd - start, TimeUnit.NANOSECONDS);
        done.await();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void startWindow() {
        try {
            sampler.resetPeakRss();
            cpuAtStart = sampler.cpuTime();
        } catch (IllegalStateException e) {
            samplingFailed(e);
        }
    }

    private void samplingFailed(IllegalStateException e) {
        errors++;
        if (firstError == null) {
            firstError = "proxy process: " + e.getMessage();
        }
    }

    /**
     * Ends a measured window (on the event loop): prints its result, then starts the next one on the same
     * connections, or ends the run after the last window or when a burst completed.
     */
    private void finish() {
        if (done.getCount() == 0) {
            return;
        }
        measureEnd = Math.min(measureEnd, System.nanoTime());
        if (sampler != null && cpuAtStart != null) {
            try {
                cpuAtEnd = sampler.cpuTime();
                peakRssKib = sampler.peakRssKib();
            } catch (IllegalStateException e) {
                samplingFailed(e); // the proxy exited during the window: report what was measured, never hang
                window = windows; // and do not start another one
            }
        }
        printResult();
        if (++window < windows) {
            nextWindow();
        } else {
            done.countDown();
        }
    }

    /** The next window starts where the last one ended; requests in flight across the boundary count in neither. */
    private void nextWindow() {
        completed = 0;
        errors = 0;
        reconnects = 0;
        bodyBytesInWindow = 0;
        firstError = null;
        latencies.reset();
        measureStart = measureEnd;
        measureEnd = measureStart + durationNanos;
        if (sampler != null) {
            startWindow();
        }
        group.schedule(this::finish, measureEnd - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void printResult() {
        double seconds = (measureEnd - measureStart) / 1e9;
        StringBuilder json = new StringBuilder(512);
        if (windows > 1) {
            json.append(String.format(Locale.ROOT, "{\"window\":%d,\"t_s\":%.3f,", window, (measureStart - loadStart) / 1e9));
        } else {
            json.append('{');
        }
        json.append(String.format(Locale.ROOT,
                "\"url\":\"%s\",\"via\":\"%s\",\"mode\":\"%s\",\"connections\":%d,\"seconds\":%.3f,\"requests\":%d,"
                        + "\"rps\":%.1f,\"mb_per_s\":%.2f,\"p50_us\":%d,\"p99_us\":%d,\"p999_us\":%d,\"max_us\":%d,"
                        + "\"errors\":%d,\"reconnects\":%d",
                url, proxy == null ? "direct" : (connectsThroughTunnel() ? "connect" : "proxy"),
                burst ? "burst" : (newConnectionPerRequest ? "new-connection" : "keep-alive"),
                connections, seconds, completed, completed / seconds, bodyBytesInWindow / seconds / 1e6,
                micros(latencies, 50), micros(latencies, 99), micros(latencies, 99.9),
                latencies.getMaxValue() / 1000, errors, reconnects));
        if (burst) {
            json.append(String.format(Locale.ROOT, ",\"ttfb_p50_us\":%d,\"ttfb_p99_us\":%d,\"ttfb_max_us\":%d",
                    micros(firstByte, 50), micros(firstByte, 99), firstByte.getMaxValue() / 1000));
        }
        if (sampler != null && cpuAtStart != null && cpuAtEnd != null) {
            double userSeconds = (cpuAtEnd.userNanos() - cpuAtStart.userNanos()) / 1e9;
            double systemSeconds = (cpuAtEnd.systemNanos() - cpuAtStart.systemNanos()) / 1e9;
            double cpuSeconds = userSeconds + systemSeconds;
            json.append(String.format(Locale.ROOT,
                    ",\"proxy_pid\":%d,\"proxy_cpu_s\":%.3f,\"proxy_user_s\":%.3f,\"proxy_sys_s\":%.3f,"
                            + "\"proxy_cpu_s_per_10k\":%.3f,\"proxy_cpu_us_per_req\":%.1f,"
                            + "\"proxy_peak_rss_kib\":%d,\"peak_rss_whole_life\":%b",
                    sampler.pid(), cpuSeconds, userSeconds, systemSeconds,
                    completed == 0 ? 0 : cpuSeconds * 10_000 / completed,
                    completed == 0 ? 0 : cpuSeconds * 1e6 / completed, peakRssKib, sampler.peakResetFailed()));
        }
        if (firstError != null) {
            json.append(",\"first_error\":\"").append(firstError.replace("\\", "\\\\").replace("\"", "'")).append('"');
        }
        System.out.println(json.append('}'));
    }

    private static long micros(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000;
    }

    private boolean running() {
        return done.getCount() > 0 && (window < windows - 1 || System.nanoTime() < measureEnd);
    }

    private boolean inWindow(long now) {
        return now >= measureStart && now < measureEnd;
    }

    private void error(String reason) {
        if (inWindow(System.nanoTime())) {
            errors++;
            if (firstError == null) {
                firstError = reason;
            }
        }
    }

    private void open() {
        if (!running()) {
            return;
        }
        InetSocketAddress target = proxy != null ? proxy : new InetSocketAddress(url.getHost(), port());
        bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (connectsThroughTunnel()) {
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
                error("connect failed: " + f.cause());
                if (burst) {
                    burstFinished++;
                    checkBurstDone();
                } else {
                    group.schedule(this::open, 100, TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    private SslHandler newSslHandler(Channel ch) {
        SSLEngine engine = tls.newEngine(ch.alloc(), url.getHost(), port());
        if (verifyHostname) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return new SslHandler(engine);
    }

    private FullHttpRequest newRequest() {
        String path = url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        String target = proxy != null && !connectsThroughTunnel() ? url.getScheme() + "://" + url.getRawAuthority() + path : path;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        request.headers().set(HttpHeaderNames.HOST, url.getRawAuthority());
        for (String[] header : headers) {
            request.headers().add(header[0], header[1]);
        }
        return request;
    }

    private void checkBurstDone() {
        if (burstFinished >= connections) {
            finish();
        }
    }

    /** In burst mode: called when a connection can send; once all can, all send at once. */
    private void burstReady(RequestLoop loop) {
        burstReady.add(loop);
        if (burstReady.size() + burstFinished == connections) {
            for (RequestLoop ready : burstReady) {
                ready.send();
            }
        }
    }

    /** CONNECT through the proxy, then (for https) TLS to the origin inside the tunnel. */
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
                error("CONNECT answered " + response.status());
                ctx.close();
                return;
            }
            if (msg instanceof LastHttpContent) {
                ctx.pipeline().remove("codec");
                if (https) {
                    ctx.pipeline().addFirst(newSslHandler(ctx.channel()));
                }
                ctx.pipeline().addLast("codec2", new HttpClientCodec());
                ctx.pipeline().addLast("requests", new RequestLoop(!https));
                ctx.pipeline().remove(this);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (burst) {
                burstFinished++;
                checkBurstDone();
            } else if (running()) {
                // A refused CONNECT is retried after a pause, so a misconfigured proxy cannot make this spin.
                group.schedule(LoadClient.this::open, 100, TimeUnit.MILLISECONDS);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error("CONNECT: " + cause);
            ctx.close();
        }
    }

    /** Sends a request, waits for the whole response, records it, repeats (or, in burst mode, stops). */
    private final class RequestLoop extends SimpleChannelInboundHandler<HttpObject> {
        private final boolean startOnActive;
        private ChannelHandlerContext ctx;
        private long sentAt;
        private long bodyBytes;
        private boolean ok;
        private boolean keepAlive;
        private boolean inFlight;
        private boolean responseStarted;
        private boolean finished;

        RequestLoop(boolean startOnActive) {
            this.startOnActive = startOnActive;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            if (startOnActive && ctx.channel().isActive()) {
                ready();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (startOnActive) {
                ready();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent handshake) {
                if (handshake.isSuccess()) {
                    ready();
                } else {
                    error("TLS handshake failed: " + handshake.cause());
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void ready() {
            if (burst) {
                burstReady(this);
            } else {
                send();
            }
        }

        void send() {
            sentAt = System.nanoTime();
            bodyBytes = 0;
            ok = false;
            inFlight = true;
            responseStarted = false;
            ctx.writeAndFlush(newRequest());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            long now = System.nanoTime();
            responseStarted = true;
            if (msg instanceof HttpResponse response) {
                ok = response.status().code() == 200;
                keepAlive = HttpUtil.isKeepAlive(response);
                if (!ok) {
                    error("status " + response.status());
                }
                if (burst) {
                    firstByte.recordValue(Math.min(now - sentAt, MAX_LATENCY_NANOS));
                }
            }
            if (msg instanceof HttpContent content) {
                bodyBytes += content.content().readableBytes();
            }
            if (msg instanceof LastHttpContent) {
                inFlight = false;
                complete(ctx, now);
            }
        }

        private void complete(ChannelHandlerContext ctx, long now) {
            boolean lengthOk = expectBytes < 0 || bodyBytes == expectBytes;
            if (ok && !lengthOk) {
                error("body of " + bodyBytes + " bytes, expected " + expectBytes);
            }
            if (inWindow(now) && ok && lengthOk) {
                completed++;
                bodyBytesInWindow += bodyBytes;
                latencies.recordValue(Math.min(now - sentAt, MAX_LATENCY_NANOS));
            }
            if (burst) {
                finished = true;
                burstFinished++;
                ctx.close();
                checkBurstDone();
            } else if (!running()) {
                ctx.close();
            } else if (newConnectionPerRequest || !keepAlive) {
                finished = true;
                if (!keepAlive && !newConnectionPerRequest) {
                    reconnects++;
                }
                ctx.close();
                open();
            } else {
                send();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (inFlight && (responseStarted || burst)) {
                error("connection closed in the middle of a response");
            }
            if (burst && !finished) {
                burstFinished++;
                checkBurstDone();
            } else if (running() && !finished) {
                reconnects++;
                open();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error(cause.toString());
            ctx.close();
        }
    }

    /** Minimal flag parsing: {@code --name value}, repeated flags, boolean flags. */
    private static final class Args {
        private final String[] argv;

        Args(String[] argv) {
            this.argv = argv;
        }

        String required(String name) {
            String value = optional(name);
            if (value == null) {
                throw new IllegalArgumentException("missing " + name);
            }
            return value;
        }

        String value(String name, String fallback) {
            String value = optional(name);
            return value == null ? fallback : value;
        }

        String optional(String name) {
            List<String> found = values(name);
            return found.isEmpty() ? null : found.get(found.size() - 1);
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
