package dev.nexus.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Ends a relayed WebSocket on the proxy's initiative (a revoked credential, a lifetime limit). Sits in the
 * origin connection's pipeline in front of its {@link TunnelRelay} and follows the frames the origin sends to
 * the agent ({@link WebSocketFrameBoundary}). To end, it writes a Close frame (status 1008, policy violation,
 * with a short reason) to the agent at a frame boundary, then closes both connections: the origin's at once,
 * the agent's once the Close frame is flushed. When a frame is half relayed, the rest of that frame is relayed
 * first and the Close frame follows it; bytes after it are dropped. If the frame does not end within
 * {@link #BOUNDARY_GRACE_MILLIS}, both connections are closed without a Close frame (the agent sees an abnormal
 * closure, never a corrupt frame). The origin gets no Close frame: its connection is closed.
 */
final class WebSocketEnding extends ChannelInboundHandlerAdapter {

    static final String NAME = "websocket-ending";
    /** WebSocket status 1008: the endpoint received a message that violates its policy. */
    static final int POLICY_VIOLATION = 1008;
    /** How long an ending waits for the frame in flight to end. */
    static final long BOUNDARY_GRACE_MILLIS = 250;
    private static final int MAX_REASON_BYTES = 123;

    private final Channel client;
    private final WebSocketFrameBoundary toAgent = new WebSocketFrameBoundary();
    private Channel upstream;
    private String pendingReason;
    private boolean closed;
    private ScheduledFuture<?> grace;

    WebSocketEnding(Channel client) {
        this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        upstream = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closed) {
            buf.release();
            return;
        }
        if (pendingReason == null) {
            toAgent.advanceAll(buf);
            ctx.fireChannelRead(buf);
            return;
        }
        int upToBoundary = toAgent.advance(buf, buf.readerIndex(), buf.readableBytes());
        if (!toAgent.atBoundary()) {
            ctx.fireChannelRead(buf);
            return;
        }
        ctx.fireChannelRead(buf.readRetainedSlice(upToBoundary));
        buf.release(); // what the origin sent after the frame in flight never reaches the agent
        closeWithFrame(pendingReason);
    }

    /** Ends the WebSocket with {@code reason} in the Close frame; on the connections' event loop. */
    void end(String reason) {
        if (closed || pendingReason != null || !upstream.isActive()) {
            return;
        }
        if (toAgent.atBoundary()) {
            closeWithFrame(reason);
            return;
        }
        pendingReason = reason;
        grace = upstream.eventLoop().schedule(this::closeWithoutFrame, BOUNDARY_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void closeWithFrame(String reason) {
        if (grace != null) {
            grace.cancel(false);
        }
        closed = true; // nothing more is relayed to the agent
        client.writeAndFlush(closeFrame(reason)).addListener(ChannelFutureListener.CLOSE);
        upstream.close();
    }

    private void closeWithoutFrame() {
        closed = true;
        upstream.close();
        client.close();
    }

    /** An unmasked Close frame (server to client) with status 1008 and {@code reason}. */
    private ByteBuf closeFrame(String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int reasonLength = Math.min(text.length, MAX_REASON_BYTES);
        ByteBuf frame = client.alloc().buffer(4 + reasonLength);
        frame.writeByte(0x88); // FIN, opcode 8 (Close)
        frame.writeByte(2 + reasonLength);
        frame.writeShort(POLICY_VIOLATION);
        frame.writeBytes(text, 0, reasonLength);
        return frame;
    }
}
