package dev.nexus.proxy.ingress;

/**
 * Names of the handlers on an agent's connection, in pipeline order. The order is built in one
 * place, {@link ProxyChannelInitializer}; pipeline surgery (CONNECT, WebSocket) refers to these names.
 */
public final class PipelineNames {

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
    /** Byte-level framing checks and early-data hold-back ({@link RequestFramingGuard}). */
    public static final String FRAMING_GUARD = "framing-guard";
    /** HTTP/1.1 request decoder and response encoder. */
    public static final String HTTP_CODEC = "http-codec";
    /** 408 when a request head does not complete in time ({@link RequestHeadTimeoutHandler}). */
    public static final String HEAD_TIMEOUT = "head-timeout";
    /** Per-connection request dispatch ({@link ClientConnectionHandler}). */
    public static final String CONNECTION = "connection";
    /** Byte relay once the connection is a tunnel. */
    public static final String TUNNEL = "tunnel";

    private PipelineNames() {
    }
}
