package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import dev.nexus.proxy.transport.Transport;
import io.netty.channel.EventLoop;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One {@link UpstreamPool} per event loop, created the first time a loop needs one, sharing one per-origin
 * connection limit ({@link OriginSlots}) and its share for requests still sending their body ({@link UploadShare}).
 */
public final class UpstreamPools implements AutoCloseable {

    private final ProxySettings settings;
    private final Transport transport;
    private final UpstreamTlsContexts tls;
    private final ProxyEvents events;
    private final ConcurrentMap<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
    private final OriginSlots slots;
    private final UploadShare uploads;
    private final ReloadingHostsFile hostsFile;

    /**
     * @param tls client TLS towards origins; {@code null} when the proxy never speaks TLS to an origin
     */
    public UpstreamPools(ProxySettings settings, Transport transport, UpstreamTlsContexts tls, ProxyEvents events) {
        this.settings = settings;
        this.transport = transport;
        this.tls = tls;
        this.events = events;
        this.slots = new OriginSlots(settings.maxConnectionsPerHost(), pools.values());
        this.uploads = new UploadShare(settings.maxConnectionsPerHost(), settings.uploadSharePercent());
        this.hostsFile = new ReloadingHostsFile(settings.hostsFile());
    }

    /** The pool of {@code loop}; only ever used from that loop. */
    public UpstreamPool forLoop(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, settings, transport, tls, events, slots, uploads,
                hostsFile));
    }

    @Override
    public void close() {
        pools.forEach((loop, pool) -> {
            if (!loop.isShuttingDown()) {
                loop.execute(pool::close);
            }
        });
        pools.clear();
        hostsFile.close();
    }
}
