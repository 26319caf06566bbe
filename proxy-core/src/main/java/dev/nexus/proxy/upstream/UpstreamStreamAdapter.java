package dev.nexus.proxy.upstream;

import dev.nexus.proxy.exchange.Http2ConversionHeaders;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;

/**
 * On an upstream HTTP/2 stream, between Netty's frame-to-HTTP-object codec and {@link UpstreamHandler}: the
 * stream reads like an HTTP/1.1 connection to the exchange. A response the origin ended with its HEADERS frame
 * (a 1xx, a bodiless answer, gRPC's Trailers-Only) arrives as a head and an end, as from the HTTP/1.1 decoder;
 * the conversion's own {@code x-http2-*} headers are dropped; the origin's RST_STREAM, and a GOAWAY that leaves
 * this stream unprocessed, become an {@link UpstreamStreamReset}, so the exchange fails with the error code.
 * Requests go out with {@code te: trailers}: the proxy relays trailers, and gRPC servers ask for it.
 */
@ChannelHandler.Sharable
final class UpstreamStreamAdapter extends ChannelDuplexHandler {

    static final UpstreamStreamAdapter INSTANCE = new UpstreamStreamAdapter();

    private UpstreamStreamAdapter() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpResponse full) {
            HttpResponse head = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
            Http2ConversionHeaders.strip(head.headers());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            return;
        }
        if (msg instanceof HttpResponse head) {
            Http2ConversionHeaders.strip(head.headers());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            ctx.fireExceptionCaught(UpstreamStreamReset.reset(reset.errorCode()));
        } else if (evt instanceof Http2GoAwayFrame goAway) {
            goAway.release(); // sent to streams above the last one the origin will process
            ctx.fireExceptionCaught(UpstreamStreamReset.goingAway());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpRequest request) {
            request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        ctx.write(msg, promise);
    }
}
