package dev.nexus.proxy.testing;

import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real grpc-java server on 127.0.0.1 (TLS or plaintext h2c) with one service, {@code test.Echo}, built by hand:
 * no protoc, messages are UTF-8 strings. It records the metadata of every call and whether a call was cancelled.
 * <ul>
 *   <li>{@link #UNARY} answers {@code hello, <request>};</li>
 *   <li>{@link #COUNT} (server streaming) answers {@code tick-1} to {@code tick-N} for request {@code N};</li>
 *   <li>{@link #JOIN} (client streaming) answers the requests joined by commas;</li>
 *   <li>{@link #SHOUT} (bidi) answers each request upper-cased;</li>
 *   <li>{@link #FIND} fails with NOT_FOUND {@code no such thing: <request>};</li>
 *   <li>{@link #WAIT} (server streaming) sends {@code started} and then nothing until the client cancels.</li>
 * </ul>
 */
public final class GrpcEcho implements AutoCloseable {

    public static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final MethodDescriptor<String, String> UNARY = method(MethodDescriptor.MethodType.UNARY, "Unary");
    public static final MethodDescriptor<String, String> COUNT = method(MethodDescriptor.MethodType.SERVER_STREAMING, "Count");
    public static final MethodDescriptor<String, String> JOIN = method(MethodDescriptor.MethodType.CLIENT_STREAMING, "Join");
    public static final MethodDescriptor<String, String> SHOUT = method(MethodDescriptor.MethodType.BIDI_STREAMING, "Shout");
    public static final MethodDescriptor<String, String> FIND = method(MethodDescriptor.MethodType.UNARY, "Find");
    public static final MethodDescriptor<String, String> WAIT = method(MethodDescriptor.MethodType.SERVER_STREAMING, "Wait");

    private final Server server;
    private final List<Metadata> metadata = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    private GrpcEcho(ServerCredentials credentials) throws IOException {
        ServerInterceptor recordMetadata = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                metadata.add(headers);
                return next.startCall(call, headers);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), credentials)
                .addService(ServerInterceptors.intercept(service(), recordMetadata))
                .build().start();
    }

    /** TLS with the given certificate and key (PEM files). */
    public static GrpcEcho startTls(Path certificate, Path key) throws IOException {
        return new GrpcEcho(TlsServerCredentials.create(certificate.toFile(), key.toFile()));
    }

    /** Plaintext: HTTP/2 with prior knowledge (h2c). */
    public static GrpcEcho startPlaintext() throws IOException {
        return new GrpcEcho(InsecureServerCredentials.create());
    }

    public int port() {
        return server.getPort();
    }

    /** The metadata (request headers) of every call, in arrival order. */
    public List<Metadata> metadata() {
        return metadata;
    }

    public boolean sawCancellation() {
        return cancelled.get();
    }

    private static MethodDescriptor<String, String> method(MethodDescriptor.MethodType type, String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext("hello, " + request);
                    response.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((request, response) -> {
                    for (int i = 1; i <= Integer.parseInt(request); i++) {
                        response.onNext("tick-" + i);
                    }
                    response.onCompleted();
                }))
                .addMethod(JOIN, ServerCalls.asyncClientStreamingCall(response -> new Collecting(response)))
                .addMethod(SHOUT, ServerCalls.asyncBidiStreamingCall(response -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        response.onNext(value.toUpperCase(Locale.ROOT));
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                }))
                .addMethod(FIND, ServerCalls.asyncUnaryCall((request, response) ->
                        response.onError(Status.NOT_FOUND.withDescription("no such thing: " + request).asException())))
                .addMethod(WAIT, ServerCalls.asyncServerStreamingCall((request, response) -> {
                    ((ServerCallStreamObserver<String>) response).setOnCancelHandler(() -> cancelled.set(true));
                    response.onNext("started");
                }))
                .build();
    }

    private static final class Collecting implements StreamObserver<String> {
        private final StreamObserver<String> response;
        private final List<String> received = new ArrayList<>();

        Collecting(StreamObserver<String> response) {
            this.response = response;
        }

        @Override
        public void onNext(String value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
            response.onNext(String.join(",", received));
            response.onCompleted();
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
