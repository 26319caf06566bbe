package dev.nexus.proxy.upstream;

import dev.nexus.proxy.exchange.EmptyBodyCoalescer;
import dev.nexus.proxy.settings.Http2Limits;
import dev.nexus.proxy.settings.ProxySettings;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * The handlers of an upstream HTTP/2 connection and of each of its streams. The connection: idle timeout, flush
 * consolidation, Netty's client frame codec (push off, the agents' stream window and abuse limits applied to the
 * origin too) and the stream multiplexer. A stream: HTTP/2 frames to Netty's HTTP objects and back,
 * {@link EmptyBodyCoalescer}, {@link UpstreamStreamAdapter}, the response timeout and {@link UpstreamHandler}, so an
 * exchange drives it as it drives an HTTP/1.1 connection.
 */
final class Http2UpstreamPipelines {

    private static final ChannelHandler STREAM_CODEC = new Http2StreamFrameToHttpObjectCodec(false, true);

    private Http2UpstreamPipelines() {
    }

    /** Appends the connection's handlers, then {@code last}; returns the frame codec. */
    static Http2FrameCodec addConnectionHandlers(Channel channel, ProxySettings settings, ChannelHandler last) {
        Http2Limits limits = settings.http2();
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings()
                        .pushEnabled(false)
                        .maxHeaderListSize(UpstreamPool.MAX_RESPONSE_HEADERS)
                        .initialWindowSize(limits.streamWindowBytes()))
                .validateHeaders(true)
                .encoderEnforceMaxConcurrentStreams(true) // a late, lower limit from the origin queues, never fails
                .decoderEnforceMaxSmallContinuationFrames(limits.maxContinuationFrames())
                .decoderEnforceMaxConsecutiveEmptyDataFrames(limits.maxEmptyDataFrames())
                .encoderEnforceMaxQueuedControlFrames(limits.maxQueuedControlFrames())
                .gracefulShutdownTimeoutMillis(settings.responseTimeout().toMillis())
                .build();
        channel.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, settings.upstreamIdleTimeout().toMillis(),
                        TimeUnit.MILLISECONDS))
                // Every stream flushes on its own: one socket write (and TLS record) per event-loop turn instead.
                .addLast("flush", new FlushConsolidationHandler(
                        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast("h2", codec)
                .addLast("h2-streams", new Http2MultiplexHandler(new RefusedPush()))
                .addLast("h2-connection", last);
        widenConnectionWindow(codec, limits.streamWindowBytes());
        return codec;
    }

    /** What each stream channel gets when opened. */
    static ChannelHandler streamInitializer(ProxySettings settings) {
        long responseTimeout = settings.responseTimeout().toMillis();
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(STREAM_CODEC, new EmptyBodyCoalescer(), UpstreamStreamAdapter.INSTANCE,
                        new IdleStateHandler(responseTimeout, 0, 0, TimeUnit.MILLISECONDS), new UpstreamHandler());
            }
        };
    }

    /**
     * The connection's receive window starts at 64 KiB for all its streams together; a few streams may each have
     * their whole window in flight at once. It also bounds what the origin can have sent and the proxy not yet
     * passed on, over all the connection's streams.
     */
    private static void widenConnectionWindow(Http2FrameCodec codec, int streamWindow) {
        int window = (int) Math.min(4L * streamWindow, Http2CodecUtil.MAX_INITIAL_WINDOW_SIZE);
        try {
            codec.connection().local().flowController().incrementWindowSize(codec.connection().connectionStream(),
                    window - Http2CodecUtil.DEFAULT_WINDOW_SIZE);
        } catch (Http2Exception e) {
            throw new IllegalStateException("cannot widen the HTTP/2 connection window", e);
        }
    }

    /** Server push is disabled in our settings; a stream the origin opens anyway is closed (reset). */
    private static final class RefusedPush extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().close();
        }
    }
}
