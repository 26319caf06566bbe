package dev.nexus.proxy.ingress;

import dev.nexus.proxy.services.ProxyServices;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * First handler inside an intercepted CONNECT, right after {@code 200 Connection Established}: it looks at
 * the agent's first bytes (at most {@link #MAX_INSPECTED} of them, for at most the ClientHello timeout) and
 * installs the stage that speaks them: a TLS ClientHello gets today's interception, an HTTP/1.x request
 * line the plain HTTP stage bound to the CONNECT target, the HTTP/2 preface the h2c stage. Anything else,
 * or silence, closes the connection with a log line naming the route and what was seen: a tunnel that may
 * only be intercepted never relays bytes the proxy cannot read, and never hangs.
 */
final class TunnelContentClassifier extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(TunnelContentClassifier.class.getName());

    /** What the first bytes are. */
    enum Kind { TLS, HTTP1, H2C, UNKNOWN, UNDECIDED }

    /** The HTTP/2 connection preface (RFC 9113 section 3.4). */
    private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Longest method token accepted as the start of an HTTP/1.x request line. */
    private static final int MAX_METHOD = 20;
    /** The most bytes read before deciding: the preface is the longest thing to recognise. */
    static final int MAX_INSPECTED = H2_PREFACE.length;
    /** Bytes of an unrecognised start shown in the log line: enough to name a protocol, too few for a secret. */
    private static final int LOGGED_BYTES = 8;
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;

    private final ProxyServices services;
    private final TunnelDestination destination;
    private ByteBuf seen;
    private ScheduledFuture<?> timeout;
    private boolean decided;

    TunnelContentClassifier(ProxyServices services, TunnelDestination destination) {
        this.services = services;
        this.destination = destination;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        seen = ctx.alloc().buffer(MAX_INSPECTED);
        long waitMillis = services.interception().settings().clientHelloTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> onSilence(ctx, waitMillis), waitMillis, TimeUnit.MILLISECONDS);
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        seen.writeBytes(bytes);
        bytes.release();
        Kind kind = classify(seen);
        if (kind == Kind.UNDECIDED) {
            if (!ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
            return;
        }
        decided = true;
        timeout.cancel(false);
        if (kind == Kind.UNKNOWN) {
            refuse(ctx, "sent neither TLS nor HTTP (first bytes " + firstBytes() + ")");
            return;
        }
        TunnelStages.install(ctx.pipeline(), services, destination, kind);
        ByteBuf replay = seen;
        seen = null;
        ctx.fireChannelRead(replay);
        ctx.pipeline().remove(this);
    }

    private void onSilence(ChannelHandlerContext ctx, long waitMillis) {
        if (decided || !ctx.channel().isActive()) {
            return;
        }
        decided = true;
        refuse(ctx, seen.isReadable()
                ? "sent only " + seen.readableBytes() + " bytes (" + firstBytes() + ") within " + waitMillis + " ms"
                : "sent nothing within " + waitMillis + " ms");
    }

    private void refuse(ChannelHandlerContext ctx, String what) {
        LOG.log(System.Logger.Level.WARNING, "closing CONNECT tunnel to " + destination.describe() + " from "
                + ctx.channel().remoteAddress() + ": the agent " + what + "; the route only allows interception");
        ctx.close();
    }

    private String firstBytes() {
        int n = Math.min(LOGGED_BYTES, seen.readableBytes());
        return "0x" + ByteBufUtil.hexDump(seen, seen.readerIndex(), n) + (seen.readableBytes() > n ? "..." : "");
    }

    /** Classifies the start of a tunnel's byte stream; {@link Kind#UNDECIDED} while more bytes are needed. */
    static Kind classify(ByteBuf bytes) {
        int n = bytes.readableBytes();
        if (n == 0) {
            return Kind.UNDECIDED;
        }
        int start = bytes.readerIndex();
        if (bytes.getByte(start) == TLS_HANDSHAKE_RECORD) {
            return Kind.TLS;
        }
        int compared = Math.min(n, H2_PREFACE.length);
        boolean prefacePrefix = true;
        for (int i = 0; i < compared && prefacePrefix; i++) {
            prefacePrefix = bytes.getByte(start + i) == H2_PREFACE[i];
        }
        if (prefacePrefix) {
            return n >= H2_PREFACE.length ? Kind.H2C : Kind.UNDECIDED;
        }
        for (int i = 0; i < n; i++) {
            byte b = bytes.getByte(start + i);
            if (b == ' ') {
                return i > 0 ? Kind.HTTP1 : Kind.UNKNOWN;
            }
            if (!isTokenChar(b) || i >= MAX_METHOD) {
                return Kind.UNKNOWN;
            }
        }
        return n >= MAX_INSPECTED ? Kind.UNKNOWN : Kind.UNDECIDED;
    }

    /** RFC 9110 tchar: the characters of a method token. */
    private static boolean isTokenChar(byte b) {
        return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        services.events().clientConnectionClosed(); // still here: no stage took the connection over
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (seen != null) {
            seen.release();
            seen = null;
        }
    }
}
