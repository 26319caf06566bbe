package dev.nexus.proxy.ingress;

import dev.nexus.proxy.settings.Http2Limits;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;

/**
 * Between an agent's HTTP/2 frame codec and its streams: counts the PING and SETTINGS frames the agent sends
 * (the codec has already answered each) and ends the connection with GOAWAY(ENHANCE_YOUR_CALM) when more arrive
 * within {@link Http2Limits#controlFrameWindow()} than the limits allow. The codec sends the GOAWAY and
 * reports the error down the pipeline, where {@link Http2AgentConnection} logs it like its own limits' errors.
 *
 * <p>A PING that follows response DATA written since the previous PING is not counted: that is how gRPC and
 * other clients probe the bandwidth-delay product while they download, one PING per burst of data received.
 * It sees those writes because the streams' frames pass here on their way to the codec.
 */
final class Http2FloodGuard extends ChannelDuplexHandler {

    private final Http2FrameCodec codec;
    private final FrameRate pings;
    private final FrameRate settings;
    private boolean dataSentSincePing;
    private boolean tripped;

    Http2FloodGuard(Http2FrameCodec codec, Http2Limits limits) {
        this.codec = codec;
        long windowNanos = limits.controlFrameWindow().toNanos();
        this.pings = new FrameRate("PING", limits.maxPingsPerWindow(), windowNanos);
        this.settings = new FrameRate("SETTINGS", limits.maxSettingsPerWindow(), windowNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2PingFrame ping && !ping.ack()) {
            boolean probe = dataSentSincePing;
            dataSentSincePing = false;
            if (!probe) {
                check(ctx, pings);
            }
        } else if (msg instanceof Http2SettingsFrame) {
            check(ctx, settings);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Http2DataFrame) {
            dataSentSincePing = true;
        }
        ctx.write(msg, promise);
    }

    private void check(ChannelHandlerContext ctx, FrameRate rate) {
        if (!tripped && rate.exceeded(System.nanoTime())) {
            tripped = true;
            codec.onError(ctx.pipeline().context(codec), false, Http2Exception.connectionError(
                    Http2Error.ENHANCE_YOUR_CALM, "more than %d %s frames within %d s", rate.max, rate.frame,
                    rate.windowNanos / 1_000_000_000L));
        }
    }

    /** Frames of one type counted in a window that starts with the first frame after the previous window ended. */
    private static final class FrameRate {
        private final String frame;
        private final int max;
        private final long windowNanos;
        private long windowStart;
        private int count;

        FrameRate(String frame, int max, long windowNanos) {
            this.frame = frame;
            this.max = max;
            this.windowNanos = windowNanos;
        }

        boolean exceeded(long now) {
            if (count == 0 || now - windowStart >= windowNanos) {
                windowStart = now;
                count = 1;
            } else {
                count++;
            }
            return count > max;
        }
    }
}
