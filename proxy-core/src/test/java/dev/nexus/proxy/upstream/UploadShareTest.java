package dev.nexus.proxy.upstream;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests still sending their body hold at most {@code upload_share_percent} of an origin's connections: however
 * many slow uploads there are, requests without a body and quick uploads from other agents still get through, the
 * slow uploads wait their turn (a place freed by a finished body goes to the next one) or get 503
 * {@code upstream_connection_limit} after the connect timeout.
 */
class UploadShareTest {

    private TestOrigin origin;
    private ProxyHarness proxy;
    private EventLoopGroup agents;

    @AfterEach
    void stop() {
        if (agents != null) {
            agents.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void slowUploadsHoldTheirShareAndOtherAgentsStillGetThrough() throws Exception {
        int perOrigin = 8;
        int share = perOrigin / 2; // the default upload_share_percent, 50
        int uploads = 140;
        int bodyBytes = 12;
        origin = TestOrigin.start(TestOrigin.Responder.of(request -> TestOrigin.text(HttpResponseStatus.OK,
                request.method() + " " + request.bodyText())));
        proxy = ProxyHarness.builder().transport(Transport.select("auto"), 2)
                .settings(b -> b.maxConnectionsPerHost(perOrigin).connectTimeout(Duration.ofSeconds(2))
                        .requestBodyTimeout(Duration.ofSeconds(5)))
                .start();
        agents = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

        List<SlowUpload> slow = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            slow.add(SlowUpload.start(agents, proxy, origin.url("/upload/" + i), bodyBytes));
        }
        // One byte per upload every 250 ms; the last one only once the test says, so no body can end early.
        AtomicBoolean lastBytes = new AtomicBoolean();
        ScheduledFuture<?> trickle = agents.next().scheduleAtFixedRate(
                () -> slow.forEach(upload -> upload.sendNextByte(lastBytes.get())), 250, 250, TimeUnit.MILLISECONDS);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.uploadsInProgress() >= share);

            HttpResponse<String> get = proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url("/quick")))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> post = proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url("/form")))
                    .POST(HttpRequest.BodyPublishers.ofString("name=quick")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo("GET ");
            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(post.body()).isEqualTo("POST name=quick");

            // Those beyond the share wait for a place up to the connect timeout, then are refused.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> slow.stream().filter(u -> u.answer.isDone()).count() == uploads - share);
            lastBytes.set(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> slow.stream().allMatch(u -> u.answer.isDone()));
        } finally {
            trickle.cancel(false);
        }
        List<String> answers = slow.stream().map(u -> u.answer.join()).toList();
        assertThat(answers).filteredOn(answer -> answer.startsWith("503 ")).hasSize(uploads - share)
                .allSatisfy(refused -> assertThat(refused).contains("\"error\":\"upstream_connection_limit\"")
                        .contains("that requests still sending their body may hold are busy"));
        assertThat(answers).filteredOn(answer -> !answer.startsWith("503 "))
                .containsOnly("200 received " + bodyBytes + " bytes").hasSize(share);
        assertThat(origin.mostUploadsInProgress()).isEqualTo(share);
    }

    @Test
    void aPlaceFreedByACompleteBodyGoesToTheNextUploadWaiting() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.start(b -> b.maxConnectionsPerHost(2).connectTimeout(Duration.ofSeconds(30)),
                ProxyHarness.ALLOW_ALL); // 50 % of 2: one upload at a time
        try (RawConnection first = new RawConnection(proxy.address());
             RawConnection second = new RawConnection(proxy.address())) {
            first.send(uploadHead("/upload/first", 3) + "a");
            await().atMost(Duration.ofSeconds(5)).until(() -> origin.uploadsInProgress() == 1);
            second.send(uploadHead("/upload/second", 3) + "a");
            // It waits for the place the first one holds: the origin sees only the first meanwhile.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> origin.uploadsInProgress() == 1);

            first.send("bc");
            assertThat(first.readHead()).startsWith("HTTP/1.1 200");
            await().atMost(Duration.ofSeconds(5)).until(() -> origin.requests().size() == 1
                    && origin.uploadsInProgress() == 1); // the second one now has the place
            second.send("bc");
            assertThat(second.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.requests()).extracting(r -> r.uri() + " " + r.bodyLength())
                .containsExactly("/upload/first 3", "/upload/second 3");
        assertThat(origin.mostUploadsInProgress()).isEqualTo(1);
    }

    @Test
    void anUploadThatFindsNoPlaceInTimeGets503() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.start(b -> b.maxConnectionsPerHost(4).uploadSharePercent(25)
                .connectTimeout(Duration.ofMillis(500)), ProxyHarness.ALLOW_ALL);
        try (RawConnection holder = new RawConnection(proxy.address());
             RawConnection late = new RawConnection(proxy.address())) {
            holder.send(uploadHead("/upload/holder", 3) + "a");
            await().atMost(Duration.ofSeconds(5)).until(() -> origin.uploadsInProgress() == 1);
            late.send(uploadHead("/upload/late", 3) + "a");

            String answer = late.readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 503").contains("\"error\":\"upstream_connection_limit\"")
                    .contains("all 1 connections to 127.0.0.1:" + origin.port()
                            + " that requests still sending their body may hold are busy");
            holder.send("bc");
            assertThat(holder.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.requests()).extracting(r -> r.uri()).containsExactly("/upload/holder");
    }

    private String uploadHead(String path, int length) {
        return "POST " + origin.url(path) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n";
    }

    /** An agent connection of its own whose request body goes out one byte at a time, when the test says. */
    private static final class SlowUpload {
        private final Channel channel;
        private final int length;
        private final CompletableFuture<String> answer;
        private int sent;

        private SlowUpload(Channel channel, int length, CompletableFuture<String> answer) {
            this.channel = channel;
            this.length = length;
            this.answer = answer;
        }

        static SlowUpload start(EventLoopGroup group, ProxyHarness proxy, String url, int length) {
            CompletableFuture<String> answer = new CompletableFuture<>();
            Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(4096),
                                    new SimpleChannelInboundHandler<FullHttpResponse>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                            answer.complete(r.status().code() + " "
                                                    + r.content().toString(StandardCharsets.UTF_8));
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            answer.complete("closed without an answer");
                                        }
                                    });
                        }
                    })
                    .connect(proxy.address()).syncUninterruptibly().channel();
            DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, url);
            head.headers().set(HttpHeaderNames.HOST, "x").set(HttpHeaderNames.CONTENT_LENGTH, length);
            channel.writeAndFlush(head);
            return new SlowUpload(channel, length, answer);
        }

        /** Runs on the agents' event loop; the body's last byte goes only when {@code mayEnd}. */
        void sendNextByte(boolean mayEnd) {
            if (sent == length || sent == length - 1 && !mayEnd || answer.isDone()) {
                return;
            }
            sent++;
            byte[] one = {'x'};
            channel.writeAndFlush(sent == length ? new DefaultLastHttpContent(Unpooled.wrappedBuffer(one))
                    : new DefaultHttpContent(Unpooled.wrappedBuffer(one)));
        }
    }
}
