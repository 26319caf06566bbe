package dev.nexus.proxy.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The share of an origin's connections that requests whose body is still arriving from the agent may hold
 * ({@code upload_share_percent} of {@code max_connections_per_host}), across event loops. A request takes a place
 * ({@link UploadClaim}) before its connection while its body is still arriving and gives it back as soon as the body
 * is complete; requests without a body, or whose body is complete, need no place, so however many slow uploads there
 * are, they always find the rest of the pool.
 *
 * <p>Why a share and not "a connection only once the body arrives fast enough": the proxy streams bodies, and a body
 * that starts fast can slow to a trickle once it holds a connection, so a rate test at the door is walked around by
 * sending the first bytes quickly. A cap on what unfinished uploads hold does not depend on their pace.
 *
 * <p>Requests that find the share taken wait in arrival order, up to the given time, then fail with
 * {@link UpstreamFailure.Kind#POOL_EXHAUSTED}; a freed place goes straight to the next waiter. Each origin's state is
 * guarded by its own monitor, held for a counter update or a queue operation only; promises are completed outside it,
 * since their listeners may come straight back here.
 */
final class UploadShare {

    private final int places;
    private final ConcurrentMap<UpstreamKey, Origin> origins = new ConcurrentHashMap<>();

    private static final class Origin {
        private final ArrayDeque<Promise<UploadClaim>> waiting = new ArrayDeque<>();
        private int claimed;
        /** Removed from the map: a taker holding it must look again. */
        private boolean retired;
    }

    UploadShare(int maxConnectionsPerHost, int percent) {
        this.places = Math.max(1, maxConnectionsPerHost * percent / 100);
    }

    /** A place for {@code key}: at once when one is free, else after the requests waiting before, or a failure. */
    Future<UploadClaim> claim(UpstreamKey key, EventLoop loop, Duration wait) {
        Promise<UploadClaim> promise = loop.newPromise();
        while (true) {
            Origin origin = origins.computeIfAbsent(key, k -> new Origin());
            synchronized (origin) {
                if (origin.retired) {
                    continue;
                }
                if (origin.claimed < places) {
                    origin.claimed++;
                    return promise.setSuccess(new UploadClaim(this, key));
                }
                origin.waiting.add(promise);
                break;
            }
        }
        ScheduledFuture<?> timeout = loop.schedule(() -> promise.tryFailure(new UpstreamFailure(
                UpstreamFailure.Kind.POOL_EXHAUSTED, "all " + places + " connections to " + key.host() + ":" + key.port()
                        + " that requests still sending their body may hold are busy")),
                wait.toMillis(), TimeUnit.MILLISECONDS);
        promise.addListener(done -> {
            timeout.cancel(false);
            if (!done.isSuccess()) { // timed out or given up: no place may be handed to it any more
                forget(key, promise);
            }
        });
        return promise;
    }

    /** A place is given back: the next request waiting for one gets it, else it is free. */
    void release(UpstreamKey key) {
        Origin origin = origins.get(key);
        while (true) {
            Promise<UploadClaim> next;
            synchronized (origin) {
                next = origin.waiting.poll();
                if (next == null) {
                    if (--origin.claimed == 0) {
                        origin.retired = true;
                        origins.remove(key, origin);
                    }
                    return;
                }
            }
            if (next.trySuccess(new UploadClaim(this, key))) {
                return;
            } // that one timed out or was given up meanwhile: the place goes to the one after it
        }
    }

    private void forget(UpstreamKey key, Promise<UploadClaim> promise) {
        Origin origin = origins.get(key);
        if (origin != null) {
            synchronized (origin) {
                origin.waiting.remove(promise);
            }
        }
    }
}
