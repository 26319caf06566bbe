package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.LeakDetectionExtension;
import dev.nexus.proxy.testing.LogCapture;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.Authenticator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The 407 exchange with real clients (the JDK's HttpClient and curl) against a loopback listener that
 * uses the resolver the way the proxy's connection handler does: resolve, hop back to the channel's
 * event loop, then answer 407 via {@link ProxyAuthChallenge} or go on as the identified agent.
 */
@ExtendWith(LeakDetectionExtension.class)
class ProxyAuthFlowTest {

    private static EventLoopGroup group;
    private static ProxyAuthenticator authenticator;
    private static IdentityResolver resolver;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        authenticator = new ProxyAuthenticator(TestAgents.billingAndSearch(), 1, 100, Duration.ofMinutes(1));
        resolver = new IdentityResolver(List.of(AgentIdentity.Method.PROXY_AUTH), authenticator, null);
    }

    @AfterAll
    static void stop() {
        resolver.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers 200 "hello {agent}" once the agent is identified, 407 otherwise; records each status. */
    private static final class Gate implements AutoCloseable {
        final Queue<Integer> statuses = new ConcurrentLinkedQueue<>();
        final Queue<String> forwardedProxyAuthorization = new ConcurrentLinkedQueue<>();
        private Channel listener;

        Gate start() throws InterruptedException {
            Gate gate = this;
            listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16), new GateHandler(gate));
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            return this;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.localAddress();
        }

        @Override
        public void close() {
            listener.close().syncUninterruptibly();
        }
    }

    private static final class GateHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Gate gate;

        GateHandler(Gate gate) {
            this.gate = gate;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String header = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
            request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
            gate.forwardedProxyAuthorization.add(String.valueOf(request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION)));
            InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
            resolver.resolve(client, null, header).whenCompleteAsync((resolution, failure) -> {
                FullHttpResponse response;
                if (resolution instanceof IdentityResolver.Identified identified) {
                    response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ByteBufUtil.writeUtf8(ctx.alloc(), "hello " + identified.identity().name()));
                    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
                } else {
                    response = ProxyAuthChallenge.response(ctx.alloc(), false);
                }
                gate.statuses.add(response.status().code());
                ctx.writeAndFlush(response);
            }, ctx.executor());
        }
    }

    private static HttpClient client(Gate gate, Authenticator authenticator) {
        HttpClient.Builder builder = HttpClient.newBuilder().proxy(ProxySelector.of(gate.address()))
                .connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1);
        return (authenticator == null ? builder : builder.authenticator(authenticator)).build();
    }

    private static Authenticator proxyCredentials(String agent, String secret) {
        return new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return getRequestorType() == RequestorType.PROXY
                        ? new PasswordAuthentication(agent, secret.toCharArray()) : null;
            }
        };
    }

    private static HttpResponse<String> get(HttpClient client) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://origin.example.test/data?page=1"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theJdkClientAnswersTheChallengeAndIsIdentified() throws Exception {
        try (Gate gate = new Gate().start(); LogCapture logs = new LogCapture()) {
            HttpResponse<String> response = get(client(gate, proxyCredentials("billing-bot", TestAgents.BILLING_SECRET)));

            assertEquals(200, response.statusCode());
            assertEquals("hello billing-bot", response.body());
            assertEquals(List.of(407, 200), List.copyOf(gate.statuses));
            assertFalse(logs.text().contains(TestAgents.BILLING_SECRET));
        }
    }

    @Test
    void withoutCredentialsTheJdkClientSeesTheChallenge() throws Exception {
        try (Gate gate = new Gate().start()) {
            HttpResponse<String> response = get(client(gate, null));

            assertEquals(407, response.statusCode());
            assertEquals(ProxyAuthChallenge.CHALLENGES, response.headers().allValues("proxy-authenticate"));
            assertTrue(response.body().contains("proxy_authentication_required"), response.body());
        }
    }

    @Test
    void wrongCredentialsAreChallengedUntilTheJdkClientGivesUp() throws Exception {
        try (Gate gate = new Gate().start()) {
            IOException e = assertThrows(IOException.class,
                    () -> get(client(gate, proxyCredentials("billing-bot", "guessed"))));

            assertTrue(e.getMessage().contains("too many authentication attempts"), e.getMessage());
            assertTrue(gate.statuses.size() >= 2, gate.statuses.toString());
            assertTrue(gate.statuses.stream().allMatch(status -> status == 407), gate.statuses.toString());
        }
    }

    @Test
    void curlSendsBasicCredentialsAndTheHeaderIsNotPassedOn() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is installed");
        try (Gate gate = new Gate().start()) {
            String proxy = "http://127.0.0.1:" + gate.address().getPort();

            assertEquals("hello search-bot 200", curl("-x", proxy, "--proxy-user", "search-bot:" + TestAgents.SEARCH_SECRET,
                    "http://origin.example.test/"));
            assertEquals("proxy_authentication_required 407", curl("-x", proxy, "--proxy-user", "search-bot:wrong",
                    "http://origin.example.test/").replaceAll("^\\{\"error\":\"([a-z_]+)\".* (\\d+)$", "$1 $2"));
            assertTrue(gate.forwardedProxyAuthorization.stream().allMatch("null"::equals));
        }
    }

    /** What curl printed, then its status code. */
    private static String curl(String... args) throws Exception {
        List<String> withStatus = new ArrayList<>(List.of("-w", " %{http_code}"));
        withStatus.addAll(List.of(args));
        return Curl.run(withStatus.toArray(String[]::new)).stdout().replace("\n", "").trim();
    }
}
