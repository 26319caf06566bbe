package dev.nexus.proxy.exchange;

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

    /** A connection that can be asked to close once its current exchange is over. */
    public interface Drainable {
        /** Called on any thread: close now if idle, else after the current response. */
        void startDraining();
    }

    private final ChannelGroup channels = new DefaultChannelGroup("agents", GlobalEventExecutor.INSTANCE);
    private final Set<Drainable> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean draining;

    public void register(Channel channel, Drainable connection) {
        channels.add(channel);
        connections.add(connection);
        if (draining) {
            connection.startDraining();
        }
    }

    /** A connection without an HTTP handler (a transparent TLS tunnel): closed at shutdown, nothing else. */
    public void track(Channel channel) {
        channels.add(channel);
    }

    public void unregister(Drainable connection) {
        connections.remove(connection);
    }

    /** One more ({@code +1}) or one fewer ({@code -1}) connection with a request or tunnel in flight. */
    public void busy(int delta) {
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
        for (Drainable connection : connections) {
            connection.startDraining();
        }
    }

    /** Closes every agent connection, busy or not. */
    public void closeAll() {
        channels.close().awaitUninterruptibly();
    }
}
