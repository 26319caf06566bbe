package dev.nexus.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP/2 client that writes frames byte by byte, for tests that must send what no well-behaved client
 * sends (reset floods, CONTINUATION floods, empty DATA floods): h2c with prior knowledge inside a CONNECT
 * to an intercepting proxy. Header blocks are HPACK-encoded and decoded with Netty's codec; every read is
 * bounded by the socket timeout.
 */
public final class RawHttp2Connection implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int CONTINUATION = 9;
    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;

    /** One frame as read from the wire. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        public boolean endStream() {
            return (flags & END_STREAM) != 0 && (type == DATA || type == HEADERS);
        }

        /** The error code of a RST_STREAM or GOAWAY frame. */
        public int errorCode() {
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            return type == GOAWAY ? buffer.getInt(4) : buffer.getInt(0);
        }
    }

    private final RawConnection raw;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    private RawHttp2Connection(RawConnection raw) {
        this.raw = raw;
        this.in = new DataInputStream(raw.input());
    }

    /** CONNECT {@code authority} through the proxy, then the HTTP/2 preface and an empty SETTINGS frame. */
    public static RawHttp2Connection open(InetSocketAddress proxy, String authority) throws IOException {
        RawConnection raw = new RawConnection(proxy);
        raw.send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
        assertThat(raw.readHead()).startsWith("HTTP/1.1 200");
        RawHttp2Connection connection = new RawHttp2Connection(raw);
        raw.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        connection.frame(SETTINGS, 0, 0, new byte[0]);
        return connection;
    }

    /** A request head for {@code authority} and {@code path}. */
    public static Http2Headers get(String authority, String path) {
        return new DefaultHttp2Headers().method("GET").scheme("http").authority(authority).path(path);
    }

    public RawHttp2Connection frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        return repeat(1, type, flags, streamId, payload);
    }

    /**
     * The same frame {@code count} times in one write, so a flood is on its way before the proxy can close (a
     * write after its close would fail with a reset instead).
     */
    public RawHttp2Connection repeat(int count, int type, int flags, int streamId, byte[] payload) throws IOException {
        int size = 9 + payload.length;
        ByteBuffer frames = ByteBuffer.allocate(size * count);
        for (int i = 0; i < count; i++) {
            frames.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
                    .put((byte) type).put((byte) flags).putInt(streamId).put(payload);
        }
        raw.send(frames.array());
        return this;
    }

    /** A PING frame (not an acknowledgement) with {@code data} as its opaque payload. */
    public static byte[] pingPayload(long data) {
        return ByteBuffer.allocate(8).putLong(data).array();
    }

    /** The HPACK encoding of {@code headers} (the encoder's dynamic table moves on). */
    public byte[] encode(int streamId, Http2Headers headers) throws Http2Exception {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(streamId, headers, block);
            return ByteBufUtil.getBytes(block);
        } finally {
            block.release();
        }
    }

    public RawHttp2Connection headers(int streamId, Http2Headers headers, boolean endStream) throws Exception {
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, encode(streamId, headers));
    }

    public RawHttp2Connection rstStream(int streamId, int errorCode) throws IOException {
        return frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt(errorCode).array());
    }

    /** The next frame, or {@code null} when the proxy closed the connection (or reset it). */
    public Frame read() throws IOException {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int streamId = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, streamId, payload);
        } catch (EOFException | SocketTimeoutException e) {
            if (e instanceof SocketTimeoutException) {
                throw e;
            }
            return null;
        } catch (IOException reset) {
            return null;
        }
    }

    /** Reads frames until one of {@code type} on {@code streamId} (any stream when 0 for GOAWAY), or the end. */
    public Frame readUntil(int type, int streamId) throws IOException {
        for (int i = 0; i < 100_000; i++) {
            Frame frame = read();
            if (frame == null || frame.type() == type && (streamId == 0 || frame.streamId() == streamId)) {
                return frame;
            }
        }
        throw new AssertionError("no frame of type " + type + " in 100000 frames");
    }

    public Http2Headers decode(Frame headersFrame) throws Http2Exception {
        ByteBuf block = Unpooled.wrappedBuffer(headersFrame.payload());
        try {
            return decoder.decodeHeaders(headersFrame.streamId(), block);
        } finally {
            block.release();
        }
    }

    public InputStream input() {
        return raw.input();
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
