package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import dev.nexus.proxy.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * place in the origin's {@link UploadShare}. This pool speaks HTTP/1.1; its companion {@link #forHttp2Agents()}
 * multiplexes HTTP/2 connections in the same slots.
 */
public final class UpstreamPool implements HttpUpstreams, AutoCloseable {

    /** Origins' response heads can be larger than what agents are allowed to send. */
    static final int MAX_RESPONSE_LINE = 16 * 1024;
    static final int MAX_RESPONSE_HEADERS = 64 * 1024;

    /** Opens a connection in a slot taken for it and hands the promise a connection (or the first stream on it). */
    interface SlotConnector {
        void connect(UpstreamKey key, Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise);
    }

    private final EventLoop loop;
    private final ProxySettings settings;
    private final OriginConnector connector;
    private final Map<UpstreamKey, ArrayDeque<Channel>> idle = new HashMap<>();
    private final OriginSlots slots;
    private final UploadShare uploads;
    private final Map<UpstreamKey, ArrayDeque<Waiter>> waiters = new HashMap<>();
    private final SlotConnector http1 = this::connectPooled;
    private final Http2Upstreams http2;

    /** A request waiting for a slot; {@code connector} opens its connection when one frees. */
    private record Waiter(Promise<UpstreamConnection> promise, Predicate<InetAddress> permitted,
                          SlotConnector connector, ScheduledFuture<?> timeout) {
    }

    UpstreamPool(EventLoop loop, ProxySettings settings, Transport transport, UpstreamTlsContexts tls,
                 ProxyEvents events, OriginSlots slots, UploadShare uploads, ReloadingHostsFile hostsFile) {
        this.loop = loop;
        this.slots = slots;
        this.uploads = uploads;
        this.settings = settings;
        this.connector = new OriginConnector(loop, settings, transport, tls, events, slots, hostsFile);
        this.http2 = new Http2Upstreams(loop, settings, this, connector);
    }

    /** Connections for HTTP/2 agents' exchanges: HTTP/2 streams where the origin speaks it, else this pool. */
    public HttpUpstreams forHttp2Agents() {
        return http2;
    }

    /**
     * An HTTP connection to the origin: a healthy idle one when there is one whose address the decision
     * permits, else a new one. Completes on this pool's event loop.
     */
    @Override
    public Future<UpstreamConnection> acquire(UpstreamKey key, Predicate<InetAddress> permitted) {
        Promise<UpstreamConnection> promise = loop.newPromise();
        Channel reusable = pollIdle(key, permitted);
        if (reusable != null) {
            promise.setSuccess(new UpstreamConnection(this, key, reusable, 0));
        } else {
            acquireNew(key, permitted, http1, promise);
        }
        return promise;
    }

    /**
     * A new connection opened by {@code opener} when a slot is free; else the request waits for a slot, or for an
     * HTTP/1.1 connection released meanwhile, up to the connect timeout.
     */
    void acquireNew(UpstreamKey key, Predicate<InetAddress> permitted, SlotConnector opener,
                    Promise<UpstreamConnection> promise) {
        if (slots.tryAcquire(key)) {
            opener.connect(key, permitted, promise);
        } else {
            enqueueWaiter(key, permitted, opener, promise);
        }
    }

    /**
     * A place in the origin's upload share, for a request whose body is still arriving, taken before
     * {@link #acquire}: at once when one is free, else after the uploads waiting before it, for at most the
     * connect timeout. Completes on this pool's event loop.
     */
    @Override
    public Future<UploadClaim> claimUploadPlace(UpstreamKey key) {
        return uploads.claim(key, loop, settings.connectTimeout());
    }

    /**
     * A raw TCP connection for a tunnel: resolved, checked, never pooled. It does not read until the
     * caller installs its relay, so no byte arrives before there is somewhere to put it.
     */
    public Future<Channel> connectTunnel(String host, int port, Predicate<InetAddress> permitted) {
        return connector.open(host, port, permitted, new ChannelInboundHandlerAdapter(), false);
    }

    void release(UpstreamConnection connection) {
        Channel channel = connection.channel();
        if (!channel.isActive()) {
            return;
        }
        channel.config().setAutoRead(true);
        Waiter waiter = pollWaiter(connection.key(), address(channel), null);
        if (waiter != null) {
            waiter.promise().setSuccess(new UpstreamConnection(this, connection.key(), channel, 0));
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
            } else if (permitted.test(address(channel))) {
                it.remove();
                return channel;
            }
        }
        return null;
    }

    private static InetAddress address(Channel channel) {
        return ((InetSocketAddress) channel.remoteAddress()).getAddress();
    }

    /** Opens an HTTP/1.1 connection in a slot already taken from {@link OriginSlots}. */
    private void connectPooled(UpstreamKey key, Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise) {
        long started = System.nanoTime();
        connector.openHttp(key, permitted, false, this::addHttp1Handlers).addListener((Future<Channel> f) -> {
            if (f.isSuccess()) {
                handOverHttp1(key, f.getNow(), System.nanoTime() - started, promise);
            } else {
                promise.tryFailure(f.cause());
            }
        });
    }

    /**
     * A freshly opened connection that speaks HTTP/1.1 (the origin did not choose h2), for {@code promise}: it gets
     * the HTTP/1.1 handlers now, and joins this pool when released.
     */
    void adoptHttp1(UpstreamKey key, Channel channel, long connectNanos, Promise<UpstreamConnection> promise) {
        addHttp1Handlers(channel);
        handOverHttp1(key, channel, connectNanos, promise);
    }

    private void handOverHttp1(UpstreamKey key, Channel channel, long connectNanos,
                               Promise<UpstreamConnection> promise) {
        channel.closeFuture().addListener(closed -> {
            ArrayDeque<Channel> channels = idle.get(key);
            if (channels != null) {
                channels.remove(channel);
            }
        });
        if (!promise.trySuccess(new UpstreamConnection(this, key, channel, connectNanos))) {
            channel.close();
        }
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
            waiter.connector().connect(key, waiter.permitted(), waiter.promise());
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
            } else {
                http2.closeOneIdle(key);
            }
        });
    }

    /**
     * The first request waiting for {@code key} that may use {@code address}: any waiter when {@code opener} is
     * {@code null} (an HTTP/1.1 connection serves them all), else only those {@code opener} would have connected.
     */
    Promise<UpstreamConnection> takeWaiter(UpstreamKey key, InetAddress address, SlotConnector opener) {
        Waiter waiter = pollWaiter(key, address, opener);
        return waiter == null ? null : waiter.promise();
    }

    private Waiter pollWaiter(UpstreamKey key, InetAddress address, SlotConnector opener) {
        ArrayDeque<Waiter> queue = waiters.get(key);
        if (queue == null) {
            return null;
        }
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if ((opener == null || waiter.connector() == opener) && waiter.permitted().test(address)) {
                it.remove();
                waiter.timeout().cancel(false);
                stopWaitingIfNone(key);
                return waiter;
            }
        }
        return null;
    }

    private void enqueueWaiter(UpstreamKey key, Predicate<InetAddress> permitted, SlotConnector opener,
                               Promise<UpstreamConnection> promise) {
        ArrayDeque<Waiter> queue = waiters.computeIfAbsent(key, k -> new ArrayDeque<>());
        Waiter[] self = new Waiter[1];
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            queue.remove(self[0]);
            stopWaitingIfNone(key);
            promise.tryFailure(new UpstreamFailure(UpstreamFailure.Kind.POOL_EXHAUSTED,
                    "all " + slots.max() + " connections to " + key.host() + ":" + key.port() + " are busy"));
        }, settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        self[0] = new Waiter(promise, permitted, opener, timeout);
        queue.add(self[0]);
        slots.startWaiting(key, this);
        serveWaiters(key); // a slot freed between the failed take and the registration would wake no one
    }

    private void addHttp1Handlers(Channel ch) {
        ch.config().setAutoClose(false); // a failed write shuts output only: an early answer can still be read
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

    /** Closes idle connections, HTTP/2 connections and the resolver; in-use connections close with their exchanges. */
    @Override
    public void close() {
        List<Channel> idleChannels = new ArrayList<>();
        idle.values().forEach(idleChannels::addAll);
        idle.clear();
        idleChannels.forEach(Channel::close);
        http2.close();
        connector.close();
    }
}
