package dev.nexus.proxy.upstream;

import dev.nexus.proxy.ProxySettings;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.transport.Transport;
import io.netty.channel.EventLoop;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** One {@link UpstreamPool} per event loop, created the first time a loop needs one. */
public final class UpstreamPools implements AutoCloseable {

    private final ProxySettings settings;
    private final Transport transport;
    private final ProxyEvents events;
    private final ConcurrentMap<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

    public UpstreamPools(ProxySettings settings, Transport transport, ProxyEvents events) {
        this.settings = settings;
        this.transport = transport;
        this.events = events;
    }

    /** The pool of {@code loop}; only ever used from that loop. */
    public UpstreamPool forLoop(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, settings, transport, events));
    }

    @Override
    public void close() {
        pools.forEach((loop, pool) -> {
            if (!loop.isShuttingDown()) {
                loop.execute(pool::close);
            }
        });
        pools.clear();
    }
}
