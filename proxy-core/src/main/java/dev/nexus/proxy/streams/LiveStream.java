package dev.nexus.proxy.streams;

/**
 * An open exchange, WebSocket, HTTP/2 stream or tunnel that the proxy can end on its own initiative: the
 * relay that carries it knows how (a WebSocket close frame, a cut connection, an RST_STREAM).
 */
@FunctionalInterface
public interface LiveStream {

    /**
     * Ends the stream for {@code reason}. Called on any thread (a Redis listener, the admin endpoint, a timer);
     * implementations hop to their event loop and ignore the call when the stream already ended.
     */
    void end(StreamEnd reason);
}
