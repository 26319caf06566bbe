package dev.nexus.proxy.ingress;

import dev.nexus.proxy.testing.GrpcEcho;
import dev.nexus.proxy.testing.InterceptingProxy;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.InterceptionSettings;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.HttpConnectProxiedSocketAddress;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A grpc-java client and server through an intercepting route, HTTP/2 on both legs: over TLS (the client trusts
 * the proxy CA, the proxy trusts the server's certificate) and as h2c (a plaintext channel through CONNECT, the
 * proxy speaking h2c with prior knowledge to the server). All four call types work; the route's header
 * credential reaches the server as metadata although the client never sends it; an error status and its message
 * come back through the trailers; a client's cancellation reaches the server.
 */
class GrpcInterceptionTest {

    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    enum Transport { TLS, H2C }

    @TempDir
    Path dir;
    private GrpcEcho server;
    private InterceptingProxy proxy;
    private ManagedChannel channel;
    private final List<Metadata> sentByAgent = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The server, the proxy and a client channel pointed at the server through the proxy's CONNECT. */
    private Channel agent(Transport transport) throws Exception {
        String host;
        ChannelCredentials credentials;
        if (transport == Transport.TLS) {
            TestTls serverTls = TestTls.forHost("localhost");
            server = GrpcEcho.startTls(serverTls.writePem(dir), serverTls.writeKeyPem(dir));
            proxy = new InterceptingProxy(dir, serverTls.writePem(dir), InterceptionSettings.defaults(), b -> b);
            host = "localhost";
            credentials = TlsChannelCredentials.newBuilder().trustManager(proxy.caPem().toFile()).build();
        } else {
            server = GrpcEcho.startPlaintext();
            proxy = new InterceptingProxy(dir, null);
            host = "127.0.0.1";
            credentials = InsecureChannelCredentials.create();
        }
        InetSocketAddress proxyAddress = proxy.harness().address();
        int port = server.port();
        channel = NettyChannelBuilder.forTarget(host + ":" + port, credentials)
                .proxyDetector(target -> HttpConnectProxiedSocketAddress.newBuilder()
                        .setTargetAddress(InetSocketAddress.createUnresolved(host, port))
                        .setProxyAddress(proxyAddress).build())
                .intercept(recordOutgoingMetadata())
                .build();
        return channel;
    }

    private ClientInterceptor recordOutgoingMetadata() {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        sentByAgent.add(headers);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    /** The server saw the route's credential as lower-case metadata; the client never had it. */
    private void assertCredentialArrivedAsMetadataOnly() {
        assertThat(server.metadata()).isNotEmpty().allSatisfy(seen -> {
            assertThat(seen.keys()).contains("x-api-key");
            assertThat(seen.getAll(API_KEY)).containsExactly(InterceptingProxy.SECRET);
        });
        assertThat(sentByAgent).isNotEmpty().allSatisfy(sent -> assertThat(sent.containsKey(API_KEY)).isFalse());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void unary(Transport transport) throws Exception {
        String reply = ClientCalls.blockingUnaryCall(agent(transport), GrpcEcho.UNARY, options(), "unary");
        assertThat(reply).isEqualTo("hello, unary");
        assertCredentialArrivedAsMetadataOnly();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void serverStreaming(Transport transport) throws Exception {
        Iterator<String> replies = ClientCalls.blockingServerStreamingCall(agent(transport), GrpcEcho.COUNT, options(), "3");
        List<String> received = new ArrayList<>();
        replies.forEachRemaining(received::add);
        assertThat(received).containsExactly("tick-1", "tick-2", "tick-3");
        assertCredentialArrivedAsMetadataOnly();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void clientStreaming(Transport transport) throws Exception {
        Collected replies = new Collected();
        StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                agent(transport).newCall(GrpcEcho.JOIN, options()), replies);
        requests.onNext("a");
        requests.onNext("b");
        requests.onNext("c");
        requests.onCompleted();
        assertThat(replies.done.get(20, TimeUnit.SECONDS)).containsExactly("a,b,c");
        assertCredentialArrivedAsMetadataOnly();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void bidiStreaming(Transport transport) throws Exception {
        Collected replies = new Collected();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                agent(transport).newCall(GrpcEcho.SHOUT, options()), replies);
        requests.onNext("x");
        requests.onNext("y");
        requests.onNext("z");
        requests.onCompleted();
        assertThat(replies.done.get(20, TimeUnit.SECONDS)).containsExactly("X", "Y", "Z");
        assertCredentialArrivedAsMetadataOnly();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void anErrorStatusAndItsMessageReachTheClient(Transport transport) throws Exception {
        Channel agent = agent(transport);
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(agent, GrpcEcho.FIND, options(), "needle"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: needle");
                });
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aCancelledCallIsCancelledAtTheServer(Transport transport) throws Exception {
        ClientCall<String, String> call = agent(transport).newCall(GrpcEcho.WAIT, options());
        CompletableFuture<String> first = new CompletableFuture<>();
        ClientCalls.asyncServerStreamingCall(call, "go", new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                first.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("started");
        call.cancel("the agent gave up", null);
        await().atMost(Duration.ofSeconds(10)).until(server::sawCancellation);
    }

    /** Replies of a call, complete when the call ends well. */
    private static final class Collected implements StreamObserver<String> {
        private final List<String> replies = new CopyOnWriteArrayList<>();
        final CompletableFuture<List<String>> done = new CompletableFuture<>();

        @Override
        public void onNext(String value) {
            replies.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(replies);
        }
    }
}
