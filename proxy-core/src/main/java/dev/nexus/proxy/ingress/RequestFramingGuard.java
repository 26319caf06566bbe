package dev.nexus.proxy.ingress;

import dev.nexus.proxy.observe.MalformedReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * Byte-level guard in front of the HTTP decoder: it follows the message framing of every request
 * itself (head, then Content-Length or chunked body) so that it can
 * <ul>
 *   <li>reject what Netty's decoder accepts leniently or silently repairs: obs-fold, bare CR, bare LF,
 *       control characters, whitespace before the colon, duplicate or invalid Content-Length,
 *       Content-Length with Transfer-Encoding, any Transfer-Encoding other than a lone {@code chunked}
 *       (a list such as {@code identity, chunked} could be framed differently by the upstream), invalid chunk
 *       sizes and chunk terminators; every request of a pipelined burst is checked, not only the first;</li>
 *   <li>hold back the bytes that follow a {@code CONNECT} or {@code Upgrade} request head: they belong to
 *       the tunnel or the upgraded protocol, never to the HTTP decoder ({@link #releaseHeldBytes});</li>
 *   <li>drop the fields of request trailer sections, so that they cannot carry credential, routing or
 *       framing fields past the header rules ({@link #scanTrailer});</li>
 *   <li>tell the request-head timeout when a head starts and ends ({@link HeadEvent}).</li>
 * </ul>
 * A violation fires a {@link MalformedRequestException} down the pipeline and drops all further input:
 * the connection handler answers 400 and closes. Nothing is buffered except held bytes.
 */
final class RequestFramingGuard extends ChannelInboundHandlerAdapter {

    /** Fired down the pipeline at the first byte of a request head and once the head is complete. */
    public enum HeadEvent { STARTED, COMPLETED }

    private enum State { AWAIT_HEAD, IN_HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF, TRAILERS, HOLD, DONE }

    /** Longest header line whose value the guard needs to read (Content-Length, Transfer-Encoding, Upgrade). */
    private static final int MAX_INSPECTED_LINE = 1024;
    /** The most bytes held after a CONNECT or Upgrade head before the agent has its answer. */
    private static final int MAX_HELD_BYTES = 256 * 1024;

    private State state = State.AWAIT_HEAD;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private int heldBytes;

    // Head scanning state
    private int lineIndex;
    private int lineLength;
    private boolean colonSeen;
    private boolean nameWhitespace;
    private byte previous;
    private final byte[] line = new byte[MAX_INSPECTED_LINE];
    private String method;
    private long contentLength;
    private int contentLengthCount;
    private boolean chunked;
    private boolean transferEncodingSeen;
    private boolean upgrade;

    // Body state
    private long remaining;
    private int chunkSizeDigits;
    private boolean chunkExtension;
    private int trailerLineLength;
    /** Index in the buffer being read from which bytes go on to the decoder; -1 while a trailer field is dropped. */
    private int keepFrom;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.DONE) {
            buf.release();
            return;
        }
        if (state == State.HOLD) {
            hold(ctx, buf);
            return;
        }
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int i = start;
        keepFrom = state == State.TRAILERS && trailerLineLength > 0 ? -1 : start;
        try {
            while (i < end && state != State.HOLD) {
                i = step(ctx, buf, i, end);
            }
        } catch (MalformedRequestException e) {
            state = State.DONE;
            buf.release();
            ctx.fireExceptionCaught(e);
            return;
        }
        if (keepFrom < 0) {
            buf.release(); // the buffer ends inside a dropped trailer field
        } else if (state == State.HOLD && i < end) {
            // Held before the head goes on: serving the head may switch the pipeline at once and take them.
            ByteBuf rest = buf.retainedSlice(i, end - i);
            buf.writerIndex(i);
            buf.readerIndex(keepFrom);
            hold(ctx, rest);
            passOrRelease(ctx, buf);
        } else {
            buf.readerIndex(keepFrom);
            passOrRelease(ctx, buf);
        }
    }

    private static void passOrRelease(ChannelHandlerContext ctx, ByteBuf buf) {
        if (buf.isReadable()) {
            ctx.fireChannelRead(buf);
        } else {
            buf.release();
        }
    }

    /** Consumes bytes from {@code i} according to the current state; returns the next index. */
    private int step(ChannelHandlerContext ctx, ByteBuf buf, int i, int end) {
        switch (state) {
            case AWAIT_HEAD -> {
                byte b = buf.getByte(i);
                if (b == '\r' || b == '\n') {
                    return i + 1; // empty lines before a request line are allowed (RFC 9112 section 2.2)
                }
                startHead(ctx);
                return i;
            }
            case IN_HEAD -> {
                return scanHead(ctx, buf, i, end);
            }
            case FIXED_BODY -> {
                int n = (int) Math.min(remaining, end - i);
                remaining -= n;
                if (remaining == 0) {
                    state = State.AWAIT_HEAD;
                }
                return i + n;
            }
            case CHUNK_SIZE -> {
                return scanChunkSize(buf.getByte(i), i);
            }
            case CHUNK_DATA -> {
                int n = (int) Math.min(remaining, end - i);
                remaining -= n;
                if (remaining == 0) {
                    state = State.CHUNK_DATA_CR;
                }
                return i + n;
            }
            case CHUNK_DATA_CR -> {
                expect(buf.getByte(i), '\r');
                state = State.CHUNK_DATA_LF;
                return i + 1;
            }
            case CHUNK_DATA_LF -> {
                expect(buf.getByte(i), '\n');
                state = State.CHUNK_SIZE;
                previous = 0;
                return i + 1;
            }
            case TRAILERS -> {
                return scanTrailer(ctx, buf, i);
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void startHead(ChannelHandlerContext ctx) {
        state = State.IN_HEAD;
        lineIndex = 0;
        lineLength = 0;
        colonSeen = false;
        nameWhitespace = false;
        previous = 0;
        method = null;
        contentLength = -1;
        contentLengthCount = 0;
        chunked = false;
        transferEncodingSeen = false;
        upgrade = false;
        ctx.fireUserEventTriggered(HeadEvent.STARTED);
    }

    private int scanHead(ChannelHandlerContext ctx, ByteBuf buf, int i, int end) {
        for (; i < end; i++) {
            byte b = buf.getByte(i);
            if (previous == '\r' && b != '\n') {
                throw malformed(MalformedReason.BARE_CR, "bare CR in request head");
            }
            if (b == '\n') {
                if (previous != '\r') {
                    throw malformed(MalformedReason.BARE_LF, "line ending without CR in request head");
                }
                previous = b;
                if (lineLength == 0) {
                    return endOfHead(ctx, i + 1);
                }
                endOfLine();
                continue;
            }
            previous = b;
            if (b == '\r') {
                continue;
            }
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                throw malformed(MalformedReason.CONTROL_CHARACTER, "control character in request head");
            }
            if (lineIndex > 0) {
                if (lineLength == 0 && (b == ' ' || b == '\t')) {
                    throw malformed(MalformedReason.OBS_FOLD, "obsolete line folding in request headers");
                }
                if (!colonSeen) {
                    if (b == ':') {
                        colonSeen = true;
                        if (nameWhitespace) {
                            throw malformed(MalformedReason.WHITESPACE_BEFORE_COLON, "whitespace between header name and colon");
                        }
                    } else if (b == ' ' || b == '\t') {
                        nameWhitespace = true;
                    }
                }
            }
            if (lineLength < line.length) {
                line[lineLength] = b;
            }
            lineLength++;
        }
        return i;
    }

    private void endOfLine() {
        if (lineIndex == 0) {
            int space = indexOf(line, Math.min(lineLength, line.length), (byte) ' ');
            method = space > 0 ? new String(line, 0, space, java.nio.charset.StandardCharsets.US_ASCII) : "";
        } else if (!colonSeen) {
            throw malformed(MalformedReason.INVALID_HEADER, "header line without a colon");
        } else {
            inspectHeader();
        }
        lineIndex++;
        lineLength = 0;
        colonSeen = false;
        nameWhitespace = false;
    }

    private void inspectHeader() {
        int length = Math.min(lineLength, line.length);
        int colon = indexOf(line, length, (byte) ':');
        if (nameIs("content-length", colon)) {
            requireInspectable("Content-Length");
            String value = value(colon, length);
            contentLengthCount++;
            if (contentLengthCount > 1 || value.indexOf(',') >= 0) {
                throw malformed(MalformedReason.INVALID_CONTENT_LENGTH, "more than one Content-Length");
            }
            if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw malformed(MalformedReason.INVALID_CONTENT_LENGTH, "invalid Content-Length");
            }
            contentLength = Long.parseLong(value);
        } else if (nameIs("transfer-encoding", colon)) {
            requireInspectable("Transfer-Encoding");
            String value = value(colon, length).toLowerCase(java.util.Locale.ROOT);
            int comma = value.lastIndexOf(',');
            String last = (comma < 0 ? value : value.substring(comma + 1)).trim();
            if (last.equals("chunked") && (transferEncodingSeen || comma >= 0)) {
                // "identity, chunked", "gzip, chunked" or a second field line: an upstream that reads the list
                // differently would frame the body differently, so only a lone "chunked" is accepted.
                throw malformed(MalformedReason.INVALID_TRANSFER_ENCODING,
                        "only Transfer-Encoding: chunked is accepted, without other codings");
            }
            transferEncodingSeen = true;
            chunked = last.equals("chunked");
        } else if (nameIs("upgrade", colon)) {
            upgrade = true;
        }
    }

    private int endOfHead(ChannelHandlerContext ctx, int next) {
        if (transferEncodingSeen && contentLengthCount > 0) {
            throw malformed(MalformedReason.CONTENT_LENGTH_AND_TRANSFER_ENCODING, "both Content-Length and Transfer-Encoding");
        }
        if (transferEncodingSeen && !chunked) {
            throw malformed(MalformedReason.INVALID_TRANSFER_ENCODING, "the final transfer coding must be chunked");
        }
        ctx.fireUserEventTriggered(HeadEvent.COMPLETED);
        if ("CONNECT".equals(method) || upgrade) {
            // Bytes after the head (a TLS ClientHello, WebSocket frames) are not HTTP: the connection handler
            // releases them once it knows whether the tunnel or upgrade happens.
            bodyOrNext();
            if (state == State.AWAIT_HEAD) {
                state = State.HOLD;
            }
        } else {
            bodyOrNext();
        }
        return next;
    }

    private void bodyOrNext() {
        previous = 0;
        if (chunked) {
            state = State.CHUNK_SIZE;
            remaining = 0;
            chunkSizeDigits = 0;
            chunkExtension = false;
        } else if (contentLength > 0) {
            state = State.FIXED_BODY;
            remaining = contentLength;
        } else {
            state = State.AWAIT_HEAD;
        }
    }

    private int scanChunkSize(byte b, int i) {
        if (b == '\r') {
            previous = b;
            return i + 1;
        }
        if (b == '\n') {
            if (previous != '\r' || chunkSizeDigits == 0) {
                throw malformed(MalformedReason.INVALID_CHUNK, "invalid chunk size line");
            }
            previous = 0;
            chunkSizeDigits = 0;
            chunkExtension = false;
            if (remaining == 0) {
                state = State.TRAILERS;
                trailerLineLength = 0;
            } else {
                state = State.CHUNK_DATA;
            }
            return i + 1;
        }
        if (previous == '\r') {
            throw malformed(MalformedReason.INVALID_CHUNK, "bare CR in chunk size line");
        }
        if (chunkExtension) {
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                throw malformed(MalformedReason.INVALID_CHUNK, "control character in chunk extension");
            }
            return i + 1;
        }
        if (b == ';') {
            chunkExtension = true;
            return i + 1;
        }
        int digit = Character.digit(b, 16);
        if (digit < 0 || chunkSizeDigits >= 15) {
            throw malformed(MalformedReason.INVALID_CHUNK, "invalid chunk size");
        }
        remaining = remaining * 16 + digit;
        chunkSizeDigits++;
        return i + 1;
    }

    /**
     * Checks a trailer section and drops every field in it: the decoder, and so the upstream, only ever sees
     * the empty section. Trailer fields could otherwise smuggle what the proxy set or removed in the header
     * ({@code Authorization}, the injected credential header, {@code Host}, framing) to an origin that merges
     * trailers into headers; no request trailer is needed for anything a proxied request does.
     */
    private int scanTrailer(ChannelHandlerContext ctx, ByteBuf buf, int i) {
        byte b = buf.getByte(i);
        if (previous == '\r' && b != '\n') {
            throw malformed(MalformedReason.BARE_CR, "bare CR in trailers");
        }
        if (b == '\n') {
            if (previous != '\r') {
                throw malformed(MalformedReason.BARE_LF, "line ending without CR in trailers");
            }
            previous = 0;
            if (trailerLineLength == 0) {
                state = State.AWAIT_HEAD;
            } else {
                keepFrom = i + 1; // the dropped field ends with this line
            }
            trailerLineLength = 0;
            return i + 1;
        }
        previous = b;
        if (b != '\r') {
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                throw malformed(MalformedReason.CONTROL_CHARACTER, "control character in trailers");
            }
            if (trailerLineLength == 0 && (b == ' ' || b == '\t')) {
                throw malformed(MalformedReason.OBS_FOLD, "obsolete line folding in trailers");
            }
            if (trailerLineLength == 0 && keepFrom >= 0) {
                if (i > keepFrom) {
                    ctx.fireChannelRead(buf.retainedSlice(keepFrom, i - keepFrom));
                }
                keepFrom = -1;
            }
            trailerLineLength++;
        }
        return i + 1;
    }

    private void expect(byte actual, char expected) {
        if (actual != expected) {
            throw malformed(MalformedReason.INVALID_CHUNK, "chunk data not followed by CRLF");
        }
    }

    private void hold(ChannelHandlerContext ctx, ByteBuf buf) {
        heldBytes += buf.readableBytes();
        held.add(buf);
        if (heldBytes > MAX_HELD_BYTES) {
            state = State.DONE;
            releaseHeld();
            ctx.fireExceptionCaught(malformed(MalformedReason.TOO_MUCH_EARLY_DATA, "too many bytes sent before the tunnel was answered"));
        }
    }

    /**
     * The tunnel or upgrade happened: the held bytes (and everything after) go down the pipeline as raw
     * bytes, and this guard stops inspecting. Call before removing the guard.
     */
    public void releaseHeldBytes(ChannelHandlerContext downstream) {
        ArrayDeque<ByteBuf> bytes = takeHeldBytes();
        ByteBuf buf;
        while ((buf = bytes.poll()) != null) {
            downstream.fireChannelRead(buf);
        }
    }

    /** Hands the held bytes to the caller (who must release them) and stops inspecting. */
    public ArrayDeque<ByteBuf> takeHeldBytes() {
        state = State.DONE;
        ArrayDeque<ByteBuf> taken = new ArrayDeque<>(held);
        held.clear();
        heldBytes = 0;
        return taken;
    }

    /** The upgrade was refused: held bytes are HTTP again and are scanned as the next request. */
    public void resumeHttp(ChannelHandlerContext ctx) {
        state = State.AWAIT_HEAD;
        ArrayDeque<ByteBuf> pending = new ArrayDeque<>(held);
        held.clear();
        heldBytes = 0;
        ByteBuf buf;
        while ((buf = pending.poll()) != null) {
            channelRead(ctx, buf);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    private void releaseHeld() {
        ByteBuf buf;
        while ((buf = held.poll()) != null) {
            ReferenceCountUtil.safeRelease(buf);
        }
        heldBytes = 0;
    }

    private void requireInspectable(String name) {
        if (lineLength > line.length) {
            throw malformed(MalformedReason.INVALID_HEADER, name + " header too long");
        }
    }

    private boolean nameIs(String lowerName, int colon) {
        if (colon != lowerName.length()) {
            return false;
        }
        for (int k = 0; k < colon; k++) {
            if (Character.toLowerCase((char) line[k]) != lowerName.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private String value(int colon, int length) {
        return new String(line, colon + 1, length - colon - 1, java.nio.charset.StandardCharsets.US_ASCII).trim();
    }

    private static int indexOf(byte[] bytes, int length, byte wanted) {
        for (int k = 0; k < length; k++) {
            if (bytes[k] == wanted) {
                return k;
            }
        }
        return -1;
    }

    private static MalformedRequestException malformed(MalformedReason reason, String message) {
        return new MalformedRequestException(reason, message);
    }
}
