package dev.nexus.proxy.upstream;

import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.settings.RelayWaterMarks;
import dev.nexus.proxy.tls.TlsFailureReason;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import dev.nexus.proxy.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * How one event loop reaches origins: resolve once, check the address against the decision, connect to exactly
 * that address, and for HTTP connections run the TLS handshake and account the connection in {@link OriginSlots}.
 * Failures come as {@link UpstreamFailure}s naming the destination and the cause.
 */
final class OriginConnector {

    private final EventLoop loop;
    private final ProxySettings settings;
    private final ProxyEvents events;
    private final UpstreamTlsContexts tls;
    private final OriginSlots slots;
    private final DestinationResolver resolver;
    private final Bootstrap bootstrap;

    OriginConnector(EventLoop loop, ProxySettings settings, Transport transport, UpstreamTlsContexts tls,
                    ProxyEvents events, OriginSlots slots, ReloadingHostsFile hostsFile) {
        this.loop = loop;
        this.settings = settings;
        this.events = events;
        this.tls = tls;
        this.slots = slots;
        this.resolver = new DestinationResolver(loop, settings, transport, hostsFile);
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, RelayWaterMarks.RELAY)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    /**
     * An HTTP connection to {@code key} in a slot already taken from {@link OriginSlots}: connected and, for TLS,
     * handshaken. The slot goes back when the connection closes, or at once when it cannot be opened.
     *
     * @param offerH2  whether the TLS handshake offers h2 besides http/1.1 (ALPN); the caller reads the choice
     * @param handlers adds the handlers behind TLS when the channel is initialised
     */
    Future<Channel> openHttp(UpstreamKey key, Predicate<InetAddress> permitted, boolean offerH2,
                             Consumer<Channel> handlers) {
        Promise<Channel> promise = loop.newPromise();
        if (key.tls() && tls == null) {
            slots.release(key);
            return promise.setFailure(new UpstreamFailure(UpstreamFailure.Kind.TLS_FAILURE,
                    "TLS to origins is not configured"));
        }
        ChannelInitializer<Channel> pipeline = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (key.tls()) {
                    ch.pipeline().addLast("tls", offerH2 ? tls.newH2Handler(ch.alloc(), key.host(), key.port())
                            : tls.newHandler(ch.alloc(), key.host(), key.port()));
                }
                handlers.accept(ch);
            }
        };
        open(key.host(), key.port(), permitted, pipeline, true).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                slots.release(key);
                promise.tryFailure(f.cause());
                return;
            }
            Channel channel = f.getNow();
            channel.closeFuture().addListener(closed -> slots.release(key));
            SslHandler handshake = channel.pipeline().get(SslHandler.class);
            if (handshake == null) {
                promise.trySuccess(channel);
                return;
            }
            handshake.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    promise.trySuccess(channel);
                } else {
                    channel.close();
                    promise.tryFailure(new UpstreamFailure(UpstreamFailure.Kind.TLS_FAILURE, "TLS with " + key.host()
                            + ":" + key.port() + " failed: " + TlsFailureReason.describe(done.cause(), key.host())));
                }
            });
        });
        return promise;
    }

    /** Resolve once, check the address against the decision, connect to exactly that address. */
    Future<Channel> open(String host, int port, Predicate<InetAddress> permitted, ChannelHandler handler,
                         boolean autoRead) {
        Promise<Channel> promise = loop.newPromise();
        resolver.resolve(host).addListener((Future<InetAddress> resolved) -> {
            if (!resolved.isSuccess()) {
                promise.setFailure(new UpstreamFailure(UpstreamFailure.Kind.DNS_FAILURE,
                        "could not resolve host " + host + describe(resolved.cause())));
                return;
            }
            InetAddress address = resolved.getNow();
            if (!permitted.test(address)) {
                promise.setFailure(new UpstreamFailure(UpstreamFailure.Kind.ADDRESS_NOT_PERMITTED,
                        "host " + host + " resolved to " + address.getHostAddress()
                                + ", which the matching route does not permit (loopback, link-local and private"
                                + " addresses need an explicit CIDR in the route)"));
                return;
            }
            long started = System.nanoTime();
            ChannelFuture connect = bootstrap.clone().handler(handler).option(ChannelOption.AUTO_READ, autoRead)
                    .connect(new InetSocketAddress(address, port));
            connect.addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    events.upstreamConnectionOpened(System.nanoTime() - started);
                    f.channel().closeFuture().addListener(closed -> events.upstreamConnectionClosed());
                    promise.setSuccess(f.channel());
                } else if (f.cause() instanceof ConnectTimeoutException) {
                    promise.setFailure(new UpstreamFailure(UpstreamFailure.Kind.CONNECT_TIMEOUT,
                            "connecting to " + host + ":" + port + " timed out after "
                                    + settings.connectTimeout().toMillis() + " ms"));
                } else {
                    promise.setFailure(new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED,
                            "could not connect to " + host + ":" + port + describe(f.cause())));
                }
            });
        });
        return promise;
    }

    private static String describe(Throwable cause) {
        if (cause instanceof UnknownHostException) {
            return " (no such host)";
        }
        String message = cause == null ? null : cause.getMessage();
        return message == null ? "" : " (" + message + ")";
    }

    void close() {
        resolver.close();
    }
}
