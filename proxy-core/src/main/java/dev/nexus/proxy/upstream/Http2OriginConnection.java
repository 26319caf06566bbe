package dev.nexus.proxy.upstream;

import dev.nexus.proxy.settings.ProxySettings;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One multiplexed HTTP/2 connection to an origin, last handler of its pipeline (behind Netty's frame codec and
 * stream multiplexer). It counts the streams it carries against the origin's SETTINGS_MAX_CONCURRENT_STREAMS, and
 * tells its {@link Owner} when it is ready (the origin's first SETTINGS arrived), when a stream ends and when it
 * takes no more streams: GOAWAY (open streams finish, then it closes), close, or idle with no stream open.
 */
final class Http2OriginConnection extends ChannelInboundHandlerAdapter {

    /** What the HTTP/2 pool hears from its connections; called on the connection's event loop. */
    interface Owner {
        /** The origin's settings arrived: streams may be opened. */
        void ready(Http2OriginConnection connection);

        /** A stream ended (or the origin allowed more): room for another. */
        void streamFreed(Http2OriginConnection connection);

        /** No new stream on this connection any more; {@code cause} when it ended before it was ready. */
        void ended(Http2OriginConnection connection, UpstreamFailure cause);
    }

    /** Client stream ids are odd and 31 bits wide: a connection close to the end takes no new streams. */
    private static final int LAST_NEW_STREAM_ID = Integer.MAX_VALUE - 2 * 1024;

    private final UpstreamKey key;
    private final Owner owner;
    private final ProxySettings settings;
    private final long startedNanos = System.nanoTime();
    private Channel channel;
    private Http2FrameCodec codec;
    private Http2StreamChannelBootstrap streams;
    private ScheduledFuture<?> settingsTimeout;
    private int openStreams;
    private boolean ready;
    private boolean ended;
    private boolean settingsTimedOut;
    private boolean answeredOtherProtocol;

    Http2OriginConnection(UpstreamKey key, Owner owner, ProxySettings settings) {
        this.key = key;
        this.owner = owner;
        this.settings = settings;
    }

    UpstreamKey key() {
        return key;
    }

    /** Speaks HTTP/2 on {@code connected} (TLS done); streams get {@code streamHandler}. */
    void start(Channel connected, ChannelHandler streamHandler) {
        this.channel = connected;
        codec = Http2UpstreamPipelines.addConnectionHandlers(connected, settings, this);
        streams = new Http2StreamChannelBootstrap(connected).handler(streamHandler);
        settingsTimeout = connected.eventLoop().schedule(() -> {
            settingsTimedOut = true;
            connected.close();
        }, settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** When the connection was asked for, for the connect time of its first streams. */
    long startedNanos() {
        return startedNanos;
    }

    /** Whether a request whose route permits {@code permitted} can have a stream here now. */
    boolean hasRoomFor(Predicate<InetAddress> permitted) {
        return hasRoom() && permitted.test(address());
    }

    /** Whether another stream may be opened now. */
    boolean hasRoom() {
        // The codec applied the origin's SETTINGS_MAX_CONCURRENT_STREAMS as the limit of streams we may open.
        return ready && !ended && openStreams < codec.connection().local().maxActiveStreams() && channel.isActive()
                && codec.connection().local().lastStreamCreated() < LAST_NEW_STREAM_ID;
    }

    boolean idle() {
        return ready && openStreams == 0;
    }

    InetAddress address() {
        return ((InetSocketAddress) channel.remoteAddress()).getAddress();
    }

    /** Opens a stream for {@code promise}; the caller checked {@link #hasRoomFor}. */
    void openStream(Promise<UpstreamConnection> promise, long connectNanos) {
        openStreams++;
        streams.open().addListener((Future<Http2StreamChannel> opened) -> {
            if (!opened.isSuccess()) {
                streamClosed();
                promise.tryFailure(new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED,
                        "could not open an HTTP/2 stream to " + key.host() + ":" + key.port()));
                return;
            }
            Http2StreamChannel stream = opened.getNow();
            stream.closeFuture().addListener(closed -> streamClosed());
            if (!promise.trySuccess(UpstreamConnection.stream(key, stream, connectNanos))) {
                stream.close();
            }
        });
    }

    private void streamClosed() {
        openStreams--;
        if (ended && openStreams == 0) {
            channel.close(); // after GOAWAY: the last stream is done
        } else if (!ended) {
            owner.streamFreed(this);
        }
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame) {
                if (!ready) {
                    ready = true;
                    settingsTimeout.cancel(false);
                    owner.ready(this);
                } else if (!ended) {
                    owner.streamFreed(this); // the origin may allow more streams now
                }
            } else if (msg instanceof Http2GoAwayFrame) {
                end(null);
                if (openStreams == 0) {
                    ctx.close();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (openStreams == 0) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ready && Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            answeredOtherProtocol = true; // its first bytes were no SETTINGS frame: e.g. an HTTP/1.1 answer to h2c
        }
        ctx.close(); // protocol errors were answered with GOAWAY by the codec; the streams learn it as a close
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (settingsTimeout != null) {
            settingsTimeout.cancel(false);
        }
        end(ready ? null : notReady());
        ctx.fireChannelInactive();
    }

    /** Whether the origin answered the connection preface in another protocol (so it does not speak HTTP/2). */
    boolean answeredOtherProtocol() {
        return answeredOtherProtocol;
    }

    private UpstreamFailure notReady() {
        String origin = key.host() + ":" + key.port();
        if (settingsTimedOut) {
            return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_TIMEOUT, origin + " sent no HTTP/2 settings within "
                    + settings.connectTimeout().toMillis() + " ms");
        }
        return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, answeredOtherProtocol
                ? origin + " does not speak HTTP/2" : origin + " closed the connection before its HTTP/2 settings");
    }

    private void end(UpstreamFailure cause) {
        if (!ended) {
            ended = true;
            owner.ended(this, cause);
        }
    }
}
