package dev.nexus.proxy.ingress;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Knows every agent connection and how many of them are in the middle of an exchange or tunnel,
 * so that shutdown can stop accepting, close idle connections at once, let busy ones finish, and
 * close what is left when the drain time is up.
 */
public final class ConnectionTracker {

    private final ChannelGroup channels = new DefaultChannelGroup("agents", GlobalEventExecutor.INSTANCE);
    private final Set<ClientConnectionHandler> handlers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean draining;

    void register(Channel channel, ClientConnectionHandler handler) {
        channels.add(channel);
        handlers.add(handler);
        if (draining) {
            handler.startDraining();
        }
    }

    /** A connection without an HTTP handler (a transparent TLS tunnel): closed at shutdown, nothing else. */
    void track(Channel channel) {
        channels.add(channel);
    }

    void unregister(ClientConnectionHandler handler) {
        handlers.remove(handler);
    }

    void busy(int delta) {
        busy.addAndGet(delta);
    }

    public boolean draining() {
        return draining;
    }

    /** Number of connections with a request or tunnel in flight. */
    public int busyConnections() {
        return busy.get();
    }

    /** From now on connections close after their current response; idle ones close now. */
    public void startDraining() {
        draining = true;
        for (ClientConnectionHandler handler : handlers) {
            handler.startDraining();
        }
    }

    /** Closes every agent connection, busy or not. */
    public void closeAll() {
        channels.close().awaitUninterruptibly();
    }
}
