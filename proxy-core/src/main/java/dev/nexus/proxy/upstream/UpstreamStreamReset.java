package dev.nexus.proxy.upstream;

import io.netty.handler.codec.http2.Http2Error;

/**
 * The origin ended an HTTP/2 stream before its response was complete: it reset the stream (RST_STREAM), or it
 * is going away (GOAWAY) and the stream was above the last one it will process. The exchange passes the error
 * code on to an HTTP/2 agent's stream; a stream the origin did not process ({@code REFUSED_STREAM}) may be sent
 * again.
 */
public final class UpstreamStreamReset extends Exception {

    private final long errorCode;

    UpstreamStreamReset(long errorCode, String message) {
        super(message, null, false, false);
        this.errorCode = errorCode;
    }

    static UpstreamStreamReset reset(long errorCode) {
        Http2Error error = Http2Error.valueOf(errorCode);
        return new UpstreamStreamReset(errorCode, "the origin reset the stream ("
                + (error == null ? "error code " + errorCode : error.name()) + ")");
    }

    static UpstreamStreamReset goingAway() {
        return new UpstreamStreamReset(Http2Error.REFUSED_STREAM.code(),
                "the origin is going away (GOAWAY) and did not process the stream");
    }

    /** The HTTP/2 error code, for the agent's RST_STREAM. */
    public long errorCode() {
        return errorCode;
    }

    /** Whether the origin did not process the request at all, so it is safe to send again. */
    public boolean unprocessed() {
        return errorCode == Http2Error.REFUSED_STREAM.code();
    }
}
