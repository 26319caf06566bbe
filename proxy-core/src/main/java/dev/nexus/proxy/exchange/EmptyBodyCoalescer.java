package dev.nexus.proxy.exchange;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;

/**
 * On an HTTP/2 stream channel, above Netty's HTTP-object codec: a message head written right before an empty
 * end (no body, no trailers) leaves as one full message, so the stream carries a single HEADERS frame with
 * END_STREAM instead of HEADERS and an empty DATA frame. gRPC needs it: a call that fails at once is answered
 * "Trailers-Only" (grpc-status in the one HEADERS frame), and a client reads that only when END_STREAM comes
 * with it. A head waits here until the next write or flush; everything else passes in order.
 */
public final class EmptyBodyCoalescer extends ChannelOutboundHandlerAdapter {

    private HttpMessage head;
    private ChannelPromise headPromise;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (head != null && msg instanceof LastHttpContent end && !end.content().isReadable()
                && end.trailingHeaders().isEmpty()) {
            end.release();
            HttpMessage full = full(head);
            head = null;
            ctx.write(full, both(ctx, headPromise, promise));
            return;
        }
        writeHead(ctx);
        if (msg instanceof HttpMessage message && !(msg instanceof HttpContent)) {
            head = message;
            headPromise = promise;
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHead(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        writeHead(ctx);
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (head != null) {
            ReferenceCountUtil.release(head);
            headPromise.tryFailure(new IllegalStateException("the stream went away before the message head was sent"));
            head = null;
        }
    }

    private void writeHead(ChannelHandlerContext ctx) {
        if (head != null) {
            HttpMessage held = head;
            head = null;
            ctx.write(held, headPromise);
        }
    }

    /** One promise for two writes made one; a void promise needs no news. */
    private static ChannelPromise both(ChannelHandlerContext ctx, ChannelPromise first, ChannelPromise second) {
        if (first.isVoid()) {
            return second;
        }
        if (second.isVoid()) {
            return first;
        }
        ChannelPromise both = ctx.newPromise();
        both.addListener(new PromiseNotifier<>(false, first, second));
        return both;
    }

    private static HttpMessage full(HttpMessage head) {
        if (head instanceof HttpResponse response) {
            return new DefaultFullHttpResponse(response.protocolVersion(), response.status(), Unpooled.EMPTY_BUFFER,
                    response.headers(), LastHttpContent.EMPTY_LAST_CONTENT.trailingHeaders());
        }
        HttpRequest request = (HttpRequest) head;
        return new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers(), LastHttpContent.EMPTY_LAST_CONTENT.trailingHeaders());
    }
}
