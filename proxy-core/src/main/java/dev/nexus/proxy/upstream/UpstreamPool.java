package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.RelayWaterMarks;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.tls.TlsFailureReason;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import dev.nexus.proxy.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Upstream connections of one event loop. Agents' channels and the upstream channels they use live
 * on the same loop, so the pool needs no locks and no field is shared between threads. Idle
 * connections are reused newest first (warm, least likely closed by the origin); at most
 * {@link ProxySettings#maxConnectionsPerHost()} are open per origin over all loops ({@link OriginSlots}),
 * further requests wait for one up to the connect timeout. A request whose body is still arriving first claims a
 * place in the origin's {@link UploadShare}.
 */
public final class UpstreamPool implements AutoCloseable {

    /** Origins' response heads can be larger than what agents are allowed to send. */
    private static final int MAX_RESPONSE_LINE = 16 * 1024;
    private static final int MAX_RESPONSE_HEADERS = 64 * 1024;

    private final EventLoop loop;
    private final ProxySettings settings;
    private final ProxyEvents events;
    private final UpstreamTlsContexts tls;
    private final DestinationResolver resolver;
    private final Bootstrap bootstrap;
    private final Map<UpstreamKey, ArrayDeque<Channel>> idle = new HashMap<>();
    private final OriginSlots slots;
    private final UploadShare uploads;
    private final Map<UpstreamKey, ArrayDeque<Waiter>> waiters = new HashMap<>();

    private record Waiter(Promise<UpstreamConnection> promise, Predicate<InetAddress> permitted,
                          ScheduledFuture<?> timeout) {
    }

    UpstreamPool(EventLoop loop, ProxySettings settings, Transport transport, UpstreamTlsContexts tls,
                 ProxyEvents events, OriginSlots slots, UploadShare uploads, ReloadingHostsFile hostsFile) {
        this.loop = loop;
        this.slots = slots;
        this.uploads = uploads;
        this.settings = settings;
        this.events = events;
        this.tls = tls;
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
     * An HTTP connection to the origin: a healthy idle one when there is one whose address the decision
     * permits, else a new one. Completes on this pool's event loop.
     */
    public Future<UpstreamConnection> acquire(UpstreamKey key, Predicate<InetAddress> permitted) {
        Promise<UpstreamConnection> promise = loop.newPromise();
        Channel reusable = pollIdle(key, permitted);
        if (reusable != null) {
            promise.setSuccess(new UpstreamConnection(this, key, reusable, 0));
        } else if (slots.tryAcquire(key)) {
            connectPooled(key, permitted, promise);
        } else {
            enqueueWaiter(key, permitted, promise);
        }
        return promise;
    }

    /**
     * A place in the origin's upload share, for a request whose body is still arriving, taken before
     * {@link #acquire}: at once when one is free, else after the uploads waiting before it, for at most the
     * connect timeout. Completes on this pool's event loop.
     */
    public Future<UploadClaim> claimUploadPlace(UpstreamKey key) {
        return uploads.claim(key, loop, settings.connectTimeout());
    }

    /**
     * A raw TCP connection for a tunnel: resolved, checked, never pooled. It does not read until the
     * caller installs its relay, so no byte arrives before there is somewhere to put it.
     */
    public Future<Channel> connectTunnel(String host, int port, Predicate<InetAddress> permitted) {
        return open(host, port, permitted, new ChannelInboundHandlerAdapter(), false);
    }

    void release(UpstreamConnection connection) {
        Channel channel = connection.channel();
        if (!channel.isActive()) {
            return;
        }
        channel.config().setAutoRead(true);
        Waiter waiter = pollWaiter(connection.key(), channel);
        if (waiter != null) {
            waiter.promise().setSuccess(new UpstreamConnection(this, connection.key(), channel, 0));
            stopWaitingIfNone(connection.key());
            return;
        }
        if (slots.othersWaiting(connection.key(), this)) {
            channel.close(); // its slot serves a request waiting on another loop sooner than an idle connection here
            return;
        }
        idle.computeIfAbsent(connection.key(), k -> new ArrayDeque<>()).push(channel);
    }

    private Channel pollIdle(UpstreamKey key, Predicate<InetAddress> permitted) {
        ArrayDeque<Channel> channels = idle.get(key);
        if (channels == null) {
            return null;
        }
        for (Iterator<Channel> it = channels.iterator(); it.hasNext(); ) {
            Channel channel = it.next();
            if (!channel.isActive()) {
                it.remove();
            } else if (permitted.test(((InetSocketAddress) channel.remoteAddress()).getAddress())) {
                it.remove();
                return channel;
            }
        }
        return null;
    }

    /** Opens a connection in a slot already taken from {@link OriginSlots}. */
    private void connectPooled(UpstreamKey key, Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise) {
        long started = System.nanoTime();
        if (key.tls() && tls == null) {
            connectionGone(key);
            promise.tryFailure(new UpstreamFailure(UpstreamFailure.Kind.TLS_FAILURE, "TLS to origins is not configured"));
            return;
        }
        open(key.host(), key.port(), permitted, httpPipeline(key), true).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                connectionGone(key);
                promise.tryFailure(f.cause());
                return;
            }
            Channel channel = f.getNow();
            channel.closeFuture().addListener(closed -> {
                ArrayDeque<Channel> channels = idle.get(key);
                if (channels != null) {
                    channels.remove(channel);
                }
                connectionGone(key);
            });
            SslHandler handshake = channel.pipeline().get(SslHandler.class);
            if (handshake == null) {
                handOver(promise, new UpstreamConnection(this, key, channel, System.nanoTime() - started));
                return;
            }
            handshake.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    handOver(promise, new UpstreamConnection(this, key, channel, System.nanoTime() - started));
                } else {
                    channel.close();
                    promise.tryFailure(new UpstreamFailure(UpstreamFailure.Kind.TLS_FAILURE, "TLS with " + key.host()
                            + ":" + key.port() + " failed: " + TlsFailureReason.describe(done.cause(), key.host())));
                }
            });
        });
    }

    private static void handOver(Promise<UpstreamConnection> promise, UpstreamConnection connection) {
        if (!promise.trySuccess(connection)) {
            connection.channel().close();
        }
    }

    /** A connection to {@code key} closed: its slot goes back, and whoever waits (on any loop) is woken. */
    private void connectionGone(UpstreamKey key) {
        slots.release(key);
    }

    /** Called on any thread when a slot for {@code key} was freed: waiters here get new connections while slots last. */
    void slotFreed(UpstreamKey key) {
        loop.execute(() -> serveWaiters(key));
    }

    private void serveWaiters(UpstreamKey key) {
        ArrayDeque<Waiter> queue = waiters.get(key);
        while (queue != null && !queue.isEmpty() && slots.tryAcquire(key)) {
            Waiter waiter = queue.poll();
            waiter.timeout().cancel(false);
            connectPooled(key, waiter.permitted(), waiter.promise());
        }
        stopWaitingIfNone(key);
    }

    private void stopWaitingIfNone(UpstreamKey key) {
        ArrayDeque<Waiter> queue = waiters.get(key);
        if (queue != null && queue.isEmpty()) {
            waiters.remove(key);
            slots.stopWaiting(key, this);
        }
    }

    /** Called on any thread: another loop waits for {@code key}, so an idle connection here gives its slot up. */
    void closeOneIdle(UpstreamKey key) {
        loop.execute(() -> {
            ArrayDeque<Channel> channels = idle.get(key);
            Channel channel = channels == null ? null : channels.pollLast(); // the oldest
            if (channel != null) {
                channel.close();
            }
        });
    }

    private Waiter pollWaiter(UpstreamKey key, Channel channel) {
        ArrayDeque<Waiter> queue = waiters.get(key);
        if (queue == null) {
            return null;
        }
        InetAddress address = ((InetSocketAddress) channel.remoteAddress()).getAddress();
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (waiter.permitted().test(address)) {
                it.remove();
                waiter.timeout().cancel(false);
                return waiter;
            }
        }
        return null;
    }

    private void enqueueWaiter(UpstreamKey key, Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise) {
        ArrayDeque<Waiter> queue = waiters.computeIfAbsent(key, k -> new ArrayDeque<>());
        Waiter[] self = new Waiter[1];
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            queue.remove(self[0]);
            stopWaitingIfNone(key);
            promise.tryFailure(new UpstreamFailure(UpstreamFailure.Kind.POOL_EXHAUSTED,
                    "all " + slots.max() + " connections to " + key.host() + ":" + key.port() + " are busy"));
        }, settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        self[0] = new Waiter(promise, permitted, timeout);
        queue.add(self[0]);
        slots.startWaiting(key, this);
        serveWaiters(key); // a slot freed between the failed take and the registration would wake no one
    }

    private ChannelInitializer<Channel> httpPipeline(UpstreamKey key) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.config().setAutoClose(false); // a failed write shuts output only: an early answer can still be read
                if (key.tls()) {
                    ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), key.host(), key.port()));
                }
                ch.pipeline()
                        .addLast("idle", new IdleStateHandler(settings.responseTimeout().toMillis(), 0,
                                settings.upstreamIdleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                        .addLast("codec", new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(MAX_RESPONSE_LINE)
                                .setMaxHeaderSize(MAX_RESPONSE_HEADERS)
                                .setMaxChunkSize(settings.maxChunkSize())
                                .setValidateHeaders(true)
                                .setStrictLineParsing(true), false, true))
                        .addLast("upstream", new UpstreamHandler());
            }
        };
    }

    /** Resolve once, check the address against the decision, connect to exactly that address. */
    private Future<Channel> open(String host, int port, Predicate<InetAddress> permitted, ChannelHandler handler,
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

    /** Closes idle connections and the resolver; in-use connections close with their exchanges. */
    @Override
    public void close() {
        List<Channel> idleChannels = new ArrayList<>();
        idle.values().forEach(idleChannels::addAll);
        idle.clear();
        idleChannels.forEach(Channel::close);
        resolver.close();
    }
}
