package dev.nexus.proxy.upstream;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-origin connection limit ({@link dev.nexus.proxy.settings.ProxySettings#maxConnectionsPerHost()}) across all
 * event loops: every {@link UpstreamPool} takes a slot before it opens a connection and gives it back when the
 * connection closes, so the limit is what the documentation and the 503 say, not that many per I/O thread.
 *
 * <p>Lock-free: one {@link AtomicInteger} per origin with open connections, removed when it drops to zero (a
 * counter being removed is marked -1 first, so a concurrent taker retries on a fresh one). Pools whose requests
 * wait for a slot register here; a freed slot wakes each of them on its own event loop, and a pool that starts
 * waiting asks the others to close one idle connection to the origin, since an idle connection on another loop
 * holds a slot that its own requests cannot use.
 */
final class OriginSlots {

    private final int max;
    private final Collection<UpstreamPool> pools;
    private final ConcurrentMap<UpstreamKey, AtomicInteger> open = new ConcurrentHashMap<>();
    private final ConcurrentMap<UpstreamKey, Set<UpstreamPool>> waiting = new ConcurrentHashMap<>();

    /**
     * @param pools every pool sharing the limit (a live view)
     */
    OriginSlots(int max, Collection<UpstreamPool> pools) {
        this.max = max;
        this.pools = pools;
    }

    int max() {
        return max;
    }

    /** Takes a slot for {@code key} if one is free. */
    boolean tryAcquire(UpstreamKey key) {
        while (true) {
            AtomicInteger count = open.computeIfAbsent(key, k -> new AtomicInteger());
            int n = count.get();
            if (n < 0) {
                open.remove(key, count); // being removed by release: help, then retry on a fresh counter
                continue;
            }
            if (n >= max) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives a slot back and wakes the pools that wait for one. */
    void release(UpstreamKey key) {
        AtomicInteger count = open.get(key);
        if (count != null && count.decrementAndGet() == 0 && count.compareAndSet(0, -1)) {
            open.remove(key, count);
        }
        Set<UpstreamPool> waiters = waiting.get(key);
        if (waiters != null) {
            waiters.forEach(pool -> pool.slotFreed(key));
        }
    }

    /** {@code pool} has requests waiting for {@code key}; other pools give up an idle connection if they have one. */
    void startWaiting(UpstreamKey key, UpstreamPool pool) {
        waiting.compute(key, (k, set) -> {
            Set<UpstreamPool> pools = set == null ? ConcurrentHashMap.newKeySet() : set;
            pools.add(pool);
            return pools;
        });
        for (UpstreamPool other : pools) {
            if (other != pool) {
                other.closeOneIdle(key);
            }
        }
    }

    /** Whether a pool other than {@code pool} has requests waiting for {@code key}. */
    boolean othersWaiting(UpstreamKey key, UpstreamPool pool) {
        Set<UpstreamPool> set = waiting.get(key);
        return set != null && (set.size() > 1 || !set.contains(pool));
    }

    void stopWaiting(UpstreamKey key, UpstreamPool pool) {
        waiting.computeIfPresent(key, (k, set) -> {
            set.remove(pool);
            return set.isEmpty() ? null : set;
        });
    }
}
