package dev.nexus.proxy.ingress;

/**
 * Names of the handlers on an agent's connection, in pipeline order. The order is built in one
 * place, {@link ProxyChannelInitializer}; pipeline surgery (CONNECT, WebSocket) refers to these names.
 */
final class PipelineNames {

    /** TLS with client certificates, on a proxy listener that identifies agents by mTLS. */
    public static final String MTLS = "mtls";
    /** Closes connections with no traffic (IdleStateHandler). */
    public static final String IDLE = "idle";
    /** Routes a transparently redirected TLS connection by its ClientHello's server name. */
    public static final String TRANSPARENT_TLS = "transparent-tls";
    /** Recognises what an agent sends inside an intercepted CONNECT ({@link TunnelContentClassifier}). */
    public static final String TUNNEL_CLASSIFIER = "tunnel-classifier";
    /** Terminates the agent's TLS after an intercepted CONNECT (InterceptingTlsHandler, then SslHandler). */
    public static final String INTERCEPT_TLS = "intercept-tls";
    /** Installs the HTTP/1.1 or HTTP/2 stage once the agent's TLS handshake chose one by ALPN. */
    public static final String PROTOCOL_SELECTOR = "protocol-selector";
    /** Byte-level framing checks and early-data hold-back ({@link RequestFramingGuard}). */
    public static final String FRAMING_GUARD = "framing-guard";
    /** HTTP/1.1 request decoder and response encoder. */
    public static final String HTTP_CODEC = "http-codec";
    /** 408 when a request head does not complete in time ({@link RequestHeadTimeoutHandler}). */
    public static final String HEAD_TIMEOUT = "head-timeout";
    /** Per-connection request dispatch ({@link ClientConnectionHandler}). */
    public static final String CONNECTION = "connection";
    /** HTTP/2 frame codec with the abuse limits ({@link Http2Stage}). */
    public static final String H2_CODEC = "h2-codec";
    /** PING and SETTINGS floods, between codec and streams so it sees their DATA too ({@link Http2FloodGuard}). */
    public static final String H2_FLOOD_GUARD = "h2-flood-guard";
    /** One child channel per HTTP/2 stream ({@link Http2Stage}). */
    public static final String H2_STREAMS = "h2-streams";
    /** Watches an HTTP/2 connection as a whole: errors, idle, drain ({@link Http2AgentConnection}). */
    public static final String H2_CONNECTION = "h2-connection";
    /** Byte relay once the connection is a tunnel. */
    public static final String TUNNEL = "tunnel";

    private PipelineNames() {
    }
}
