package dev.nexus.proxy.relay;

import dev.nexus.proxy.exchange.AgentProtocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/**
 * The agent's connection as an exchange or tunnel sees it. Implemented by the per-connection
 * handler in ingress; every method is called on the connection's event loop.
 */
public interface ClientSide {

    /** The context writes to the agent go through (above the HTTP encoder). */
    ChannelHandlerContext context();

    ReadGate readGate();

    /** How the agent speaks on this connection, for {@code Via} and the records. */
    AgentProtocol protocol();

    /** Whether the proxy is shutting down and should close connections after the current response. */
    boolean draining();

    /** The exchange is over; {@code keepConnection} says whether the agent's connection may carry another request. */
    void exchangeFinished(boolean keepConnection);

    /**
     * Turns the agent's connection into a byte relay to {@code upstream} (after CONNECT 200 or a WebSocket
     * 101): bytes the agent sent after its request head are relayed first.
     */
    void becomeTunnel(Channel upstream, TunnelRelay.TunnelStats stats);

    /**
     * Resets the agent's HTTP/2 stream with {@code errorCode}, as the origin reset its own; the exchange then ends
     * as when cut. {@code false} when the agent's connection has no streams (HTTP/1.1): the exchange fails as usual.
     */
    default boolean resetStream(long errorCode) {
        return false;
    }

    /** Bytes held back after an Upgrade request that was not switched are HTTP again. */
    void resumeHttpAfterRefusedUpgrade();
}
