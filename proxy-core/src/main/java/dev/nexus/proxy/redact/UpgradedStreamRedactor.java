package dev.nexus.proxy.redact;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.Consumer;

/**
 * Sits on the upstream channel of an upgraded (WebSocket) connection, in front of the byte relay,
 * and redacts what the origin sends. Server frames are unmasked, so overwriting bytes of a payload
 * keeps every frame length valid; extensions that compress frames are not negotiated on inject
 * routes. Held-back bytes follow with the next read, or are passed on when the origin closes.
 */
final class UpgradedStreamRedactor extends ChannelInboundHandlerAdapter {

    private final StreamRedactor redactor;
    private Consumer<ByteBuf> next;

    UpgradedStreamRedactor(SecretPatterns patterns) {
        this.redactor = new StreamRedactor(patterns);
    }

    long redactions() {
        return redactor.redactions();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        next = ctx::fireChannelRead;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            redactor.redact(buf, ctx.alloc(), next);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ByteBuf rest = redactor.finish(ctx.alloc());
        if (rest != null) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf rest = redactor.finish(ctx.alloc());
        if (rest != null) {
            rest.release();
        }
    }
}
