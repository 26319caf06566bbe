package dev.nexus.proxy.testing;

import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.MalformedReason;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.observe.RedactionChannel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Keeps what the proxy reported, for assertions. */
public final class RecordingEvents implements ProxyEvents {

    public final List<ExchangeRecord> exchanges = new CopyOnWriteArrayList<>();
    public final List<MalformedReason> malformed = new CopyOnWriteArrayList<>();
    public final AtomicInteger upstreamOpened = new AtomicInteger();
    public final AtomicInteger upstreamClosed = new AtomicInteger();
    public final AtomicInteger clientOpened = new AtomicInteger();
    public final AtomicInteger clientClosed = new AtomicInteger();
    /** Redactions reported, summed per "route/channel". */
    public final Map<String, Long> redactions = new ConcurrentHashMap<>();

    @Override
    public void clientConnectionOpened() {
        clientOpened.incrementAndGet();
    }

    @Override
    public void clientConnectionClosed() {
        clientClosed.incrementAndGet();
    }

    @Override
    public void upstreamConnectionOpened(long connectNanos) {
        upstreamOpened.incrementAndGet();
    }

    @Override
    public void upstreamConnectionClosed() {
        upstreamClosed.incrementAndGet();
    }

    @Override
    public void malformedRequest(MalformedReason reason) {
        malformed.add(reason);
    }

    @Override
    public void redacted(String route, RedactionChannel channel, long count) {
        redactions.merge(route + "/" + channel.name().toLowerCase(java.util.Locale.ROOT), count, Long::sum);
    }

    @Override
    public void exchangeCompleted(ExchangeRecord record) {
        exchanges.add(record);
    }
}
