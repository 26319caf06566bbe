package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.ProxySettings;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Upstream connections for HTTP/2 agents' exchanges on one event loop: a stream of a multiplexed HTTP/2
 * connection when the origin speaks HTTP/2, else an HTTP/1.1 connection of {@link UpstreamPool}.
 *
 * <p>An {@code https} origin is asked by ALPN (h2, then http/1.1); a plain {@code http} origin (the agent came as
 * h2c) gets the HTTP/2 preface at once (prior knowledge). An origin that picks http/1.1, or answers the preface in
 * another protocol, is remembered as speaking HTTP/1.1 for {@link #HTTP1_MEMORY_NANOS}, and its requests go
 * to the HTTP/1.1 pool meanwhile. A connection takes as many streams at once as the origin's
 * SETTINGS_MAX_CONCURRENT_STREAMS allows; when all are full another is opened in the per-origin connection limit
 * ({@link OriginSlots}), or the request waits for a free stream or slot up to the connect timeout, as HTTP/1.1
 * requests do. Requests that arrive while a connection is being opened wait for its settings instead of opening
 * one each.
 */
final class Http2Upstreams implements HttpUpstreams, Http2OriginConnection.Owner {

    /** How long an origin that did not choose HTTP/2 is spoken to in HTTP/1.1 without being asked again. */
    private static final long HTTP1_MEMORY_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final int MAX_REMEMBERED_ORIGINS = 1024;
    /** Requests that wait for the settings of one connection being opened; the next one opens another. */
    private static final int MAX_WAITING_FOR_SETTINGS = 100;

    private final EventLoop loop;
    private final ProxySettings settings;
    private final UpstreamPool pool;
    private final OriginConnector connector;
    private final UpstreamPool.SlotConnector opener = this::connect;
    private final ChannelHandler streamPipeline;
    private final Map<UpstreamKey, List<Http2OriginConnection>> connections = new HashMap<>();
    /** Requests waiting for the settings of a connection being opened (an entry per such connection). */
    private final Map<Http2OriginConnection, ArrayDeque<Waiting>> waiting = new HashMap<>();
    private final Map<UpstreamKey, Long> http1Origins = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UpstreamKey, Long> eldest) {
            return size() > MAX_REMEMBERED_ORIGINS;
        }
    };

    private record Waiting(Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise) {
    }

    Http2Upstreams(EventLoop loop, ProxySettings settings, UpstreamPool pool, OriginConnector connector) {
        this.loop = loop;
        this.settings = settings;
        this.pool = pool;
        this.connector = connector;
        this.streamPipeline = Http2UpstreamPipelines.streamInitializer(settings);
    }

    @Override
    public Future<UpstreamConnection> acquire(UpstreamKey key, Predicate<InetAddress> permitted) {
        if (speaksHttp1(key)) {
            return pool.acquire(key, permitted);
        }
        Promise<UpstreamConnection> promise = loop.newPromise();
        place(key, permitted, promise);
        return promise;
    }

    /**
     * The same share as HTTP/1.1 requests: an unfinished upload holds a stream here, and a connection where the origin
     * speaks HTTP/1.1.
     */
    @Override
    public Future<UploadClaim> claimUploadPlace(UpstreamKey key) {
        return pool.claimUploadPlace(key);
    }

    /** A free stream on a connection at hand, a place among those waiting for one being opened, else a new one. */
    private void place(UpstreamKey key, Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise) {
        List<Http2OriginConnection> open = connections.get(key);
        if (open != null) {
            for (Http2OriginConnection connection : open) {
                if (connection.hasRoomFor(permitted)) {
                    connection.openStream(promise, 0);
                    return;
                }
            }
            for (Http2OriginConnection connection : open) {
                ArrayDeque<Waiting> queue = waiting.get(connection);
                if (queue != null && queue.size() < MAX_WAITING_FOR_SETTINGS) {
                    queue.add(new Waiting(permitted, promise));
                    return;
                }
            }
        }
        pool.acquireNew(key, permitted, opener, promise);
    }

    /** Opens a connection in a slot taken for it; the ALPN choice (or the preface's answer) says what it speaks. */
    private void connect(UpstreamKey key, Predicate<InetAddress> permitted, Promise<UpstreamConnection> promise) {
        Http2OriginConnection connection = new Http2OriginConnection(key, this, settings);
        connections.computeIfAbsent(key, k -> new ArrayList<>(2)).add(connection);
        ArrayDeque<Waiting> queue = new ArrayDeque<>();
        queue.add(new Waiting(permitted, promise));
        waiting.put(connection, queue);
        connector.openHttp(key, permitted, true, channel -> { }).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                forget(connection).forEach(w -> w.promise().tryFailure(f.cause()));
                return;
            }
            Channel channel = f.getNow();
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls != null && !ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
                rememberHttp1(key);
                ArrayDeque<Waiting> waiters = forget(connection);
                Waiting first = waiters.poll();
                pool.adoptHttp1(key, channel, System.nanoTime() - connection.startedNanos(), first.promise());
                waiters.forEach(w -> viaHttp1(key, w));
                return;
            }
            // Installed before this listener returns: the origin's SETTINGS may already follow the handshake.
            connection.start(channel, streamPipeline);
        });
    }

    @Override
    public void ready(Http2OriginConnection connection) {
        ArrayDeque<Waiting> queue = waiting.remove(connection);
        long connectNanos = System.nanoTime() - connection.startedNanos();
        for (Waiting w : queue) {
            if (connection.hasRoomFor(w.permitted())) {
                connection.openStream(w.promise(), connectNanos);
            } else {
                place(connection.key(), w.permitted(), w.promise()); // full (a small limit), or not for this route
            }
        }
    }

    @Override
    public void streamFreed(Http2OriginConnection connection) {
        while (connection.hasRoom()) {
            Promise<UpstreamConnection> next = pool.takeWaiter(connection.key(), connection.address(), opener);
            if (next == null) {
                return;
            }
            connection.openStream(next, 0);
        }
    }

    @Override
    public void ended(Http2OriginConnection connection, UpstreamFailure cause) {
        ArrayDeque<Waiting> queue = forget(connection);
        if (queue.isEmpty()) {
            return; // it was ready: its open streams finish or fail on their own
        }
        if (!connection.key().tls() && connection.answeredOtherProtocol()) {
            rememberHttp1(connection.key()); // h2c prior knowledge answered in HTTP/1.1: nothing was sent yet
            queue.forEach(w -> viaHttp1(connection.key(), w));
        } else {
            queue.forEach(w -> w.promise().tryFailure(cause));
        }
    }

    private void viaHttp1(UpstreamKey key, Waiting request) {
        pool.acquire(key, request.permitted()).addListener((Future<UpstreamConnection> f) -> {
            if (f.isSuccess()) {
                if (!request.promise().trySuccess(f.getNow())) {
                    f.getNow().close();
                }
            } else {
                request.promise().tryFailure(f.cause());
            }
        });
    }

    /** Removes a connection that takes no new streams; returns the requests that waited for its settings. */
    private ArrayDeque<Waiting> forget(Http2OriginConnection connection) {
        List<Http2OriginConnection> open = connections.get(connection.key());
        if (open != null && open.remove(connection) && open.isEmpty()) {
            connections.remove(connection.key());
        }
        ArrayDeque<Waiting> queue = waiting.remove(connection);
        return queue == null ? new ArrayDeque<>(0) : queue;
    }

    private boolean speaksHttp1(UpstreamKey key) {
        Long until = http1Origins.get(key);
        if (until == null) {
            return false;
        }
        if (until - System.nanoTime() > 0) {
            return true;
        }
        http1Origins.remove(key);
        return false;
    }

    private void rememberHttp1(UpstreamKey key) {
        http1Origins.put(key, System.nanoTime() + HTTP1_MEMORY_NANOS);
    }

    /** Another loop waits for a slot of {@code key}: a connection here without open streams gives its slot up. */
    void closeOneIdle(UpstreamKey key) {
        List<Http2OriginConnection> open = connections.get(key);
        if (open != null) {
            open.stream().filter(Http2OriginConnection::idle).findFirst().ifPresent(Http2OriginConnection::close);
        }
    }

    void close() {
        List<Http2OriginConnection> all = new ArrayList<>();
        connections.values().forEach(all::addAll);
        all.forEach(Http2OriginConnection::close);
    }
}
