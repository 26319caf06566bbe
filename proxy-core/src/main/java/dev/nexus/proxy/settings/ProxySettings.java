package dev.nexus.proxy.settings;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the data plane needs to know about limits and timeouts, resolved from configuration
 * by proxy-server. Immutable; one instance serves every connection. {@link #builder()} starts from
 * the documented defaults.
 *
 * @param listenAddress         where agents connect
 * @param maxInitialLineLength  longest request line accepted (longer: 400)
 * @param maxHeaderSize         largest request header block accepted (larger: 400)
 * @param maxChunkSize          largest body piece decoded at once (bodies stream in pieces of at most this)
 * @param connectTimeout        upstream TCP connect timeout (exceeded: 504)
 * @param requestHeaderTimeout  time allowed from a request's first byte to its complete head, and from accept
 *                              to the first request's complete head (exceeded: 408)
 * @param requestBodyTimeout    longest gap between two pieces of a request body while the proxy is reading it
 *                              (exceeded: 408, the upstream connection is closed)
 * @param clientIdleTimeout     a client connection with no traffic for this long is closed
 * @param tunnelIdleTimeout     a CONNECT tunnel or WebSocket with no traffic either way for this long is closed
 * @param upstreamIdleTimeout   a pooled upstream connection unused for this long is closed
 * @param responseTimeout       longest wait for the origin's next response bytes once the request is sent (exceeded: 504)
 * @param maxConnectionsPerHost upstream connections per origin, across all I/O threads
 * @param uploadSharePercent    the share (1-100) of {@code maxConnectionsPerHost} that requests whose body is still
 *                              arriving from the agent may hold at once; the rest stays for requests without a body
 *                              or whose body is complete
 * @param connectionLimits      caps on agent connections (per source address, in total)
 * @param hostOverrides         host name to address overrides consulted before DNS (like curl --resolve)
 * @param dnsServers            DNS servers to ask; empty for the system's (/etc/resolv.conf)
 * @param dnsQueryTimeout       how long one DNS query may take
 * @param hostsFile             the hosts file consulted before DNS and re-read when it changes; {@code null} for
 *                              the platform's (/etc/hosts)
 * @param proxyName             the pseudonym this proxy uses in {@code Via} headers
 * @param transparentHttp       listener for plain HTTP redirected by iptables, or {@code null}
 * @param transparentTls        listener for TLS redirected by iptables, or {@code null}
 * @param http2                 limits on agents' HTTP/2 connections (intercepted h2, h2c)
 */
public record ProxySettings(InetSocketAddress listenAddress,
                            int maxInitialLineLength,
                            int maxHeaderSize,
                            int maxChunkSize,
                            Duration connectTimeout,
                            Duration requestHeaderTimeout,
                            Duration requestBodyTimeout,
                            Duration clientIdleTimeout,
                            Duration tunnelIdleTimeout,
                            Duration upstreamIdleTimeout,
                            Duration responseTimeout,
                            int maxConnectionsPerHost,
                            int uploadSharePercent,
                            ConnectionLimits connectionLimits,
                            Map<String, InetAddress> hostOverrides,
                            List<InetSocketAddress> dnsServers,
                            Duration dnsQueryTimeout,
                            Path hostsFile,
                            String proxyName,
                            TransparentListener transparentHttp,
                            TransparentListener transparentTls,
                            Http2Limits http2) {

    /**
     * A listener for traffic redirected to the proxy by iptables (REDIRECT) from an agent's network
     * namespace, and the port that traffic was originally sent to (80 for HTTP, 443 for TLS). It binds
     * every address given: REDIRECT delivers IPv4 traffic to 127.0.0.1 and IPv6 traffic to ::1, so a
     * listener serving both families needs both.
     */
    public record TransparentListener(List<InetSocketAddress> addresses, int originalPort) {
        public TransparentListener {
            addresses = List.copyOf(addresses);
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("a transparent listener needs at least one address");
            }
        }
    }

    /**
     * Caps on open agent connections; beyond them a new connection gets 503 and is closed. 0 means no cap.
     *
     * @param perSource connections from one source address
     * @param total     connections on all proxy listeners together
     */
    public record ConnectionLimits(int perSource, int total) {
        public static final ConnectionLimits NONE = new ConnectionLimits(0, 0);

        public ConnectionLimits {
            if (perSource < 0 || total < 0) {
                throw new IllegalArgumentException("connection limits must be 0 (no cap) or positive");
            }
        }
    }

    public ProxySettings {
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(connectionLimits, "connectionLimits");
        if (uploadSharePercent < 1 || uploadSharePercent > 100) {
            throw new IllegalArgumentException("uploadSharePercent must be 1-100, got " + uploadSharePercent);
        }
        hostOverrides = Map.copyOf(hostOverrides);
        dnsServers = List.copyOf(dnsServers);
        Objects.requireNonNull(http2, "http2");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.listenAddress = listenAddress;
        b.maxInitialLineLength = maxInitialLineLength;
        b.maxHeaderSize = maxHeaderSize;
        b.maxChunkSize = maxChunkSize;
        b.connectTimeout = connectTimeout;
        b.requestHeaderTimeout = requestHeaderTimeout;
        b.requestBodyTimeout = requestBodyTimeout;
        b.clientIdleTimeout = clientIdleTimeout;
        b.tunnelIdleTimeout = tunnelIdleTimeout;
        b.upstreamIdleTimeout = upstreamIdleTimeout;
        b.responseTimeout = responseTimeout;
        b.maxConnectionsPerHost = maxConnectionsPerHost;
        b.uploadSharePercent = uploadSharePercent;
        b.connectionLimits = connectionLimits;
        b.hostOverrides = hostOverrides;
        b.dnsServers = dnsServers;
        b.dnsQueryTimeout = dnsQueryTimeout;
        b.hostsFile = hostsFile;
        b.proxyName = proxyName;
        b.transparentHttp = transparentHttp;
        b.transparentTls = transparentTls;
        b.http2 = http2;
        return b;
    }

    /** Starts from the embedded defaults documented in the README. */
    public static final class Builder {
        private InetSocketAddress listenAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3128);
        private int maxInitialLineLength = 8192;
        private int maxHeaderSize = 16384;
        private int maxChunkSize = 65536;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        private Duration requestBodyTimeout = Duration.ofSeconds(30);
        private Duration clientIdleTimeout = Duration.ofSeconds(60);
        private Duration tunnelIdleTimeout = Duration.ofHours(1);
        private Duration upstreamIdleTimeout = Duration.ofSeconds(30);
        private Duration responseTimeout = Duration.ofSeconds(60);
        private int maxConnectionsPerHost = 64;
        private int uploadSharePercent = 50;
        private ConnectionLimits connectionLimits = new ConnectionLimits(1024, 10_000);
        private Map<String, InetAddress> hostOverrides = Map.of();
        private List<InetSocketAddress> dnsServers = List.of();
        private Duration dnsQueryTimeout = Duration.ofSeconds(5);
        private Path hostsFile;
        private String proxyName = "nexus-proxy";
        private TransparentListener transparentHttp;
        private TransparentListener transparentTls;
        private Http2Limits http2 = Http2Limits.defaults();

        public Builder listenAddress(InetSocketAddress value) { listenAddress = value; return this; }
        public Builder maxInitialLineLength(int value) { maxInitialLineLength = value; return this; }
        public Builder maxHeaderSize(int value) { maxHeaderSize = value; return this; }
        public Builder maxChunkSize(int value) { maxChunkSize = value; return this; }
        public Builder connectTimeout(Duration value) { connectTimeout = value; return this; }
        public Builder requestHeaderTimeout(Duration value) { requestHeaderTimeout = value; return this; }
        public Builder requestBodyTimeout(Duration value) { requestBodyTimeout = value; return this; }
        public Builder clientIdleTimeout(Duration value) { clientIdleTimeout = value; return this; }
        public Builder tunnelIdleTimeout(Duration value) { tunnelIdleTimeout = value; return this; }
        public Builder upstreamIdleTimeout(Duration value) { upstreamIdleTimeout = value; return this; }
        public Builder responseTimeout(Duration value) { responseTimeout = value; return this; }
        public Builder maxConnectionsPerHost(int value) { maxConnectionsPerHost = value; return this; }
        public Builder uploadSharePercent(int value) { uploadSharePercent = value; return this; }
        public Builder connectionLimits(ConnectionLimits value) { connectionLimits = value; return this; }
        public Builder hostOverrides(Map<String, InetAddress> value) { hostOverrides = value; return this; }
        public Builder dnsServers(List<InetSocketAddress> value) { dnsServers = value; return this; }
        public Builder dnsQueryTimeout(Duration value) { dnsQueryTimeout = value; return this; }
        public Builder hostsFile(Path value) { hostsFile = value; return this; }
        public Builder proxyName(String value) { proxyName = value; return this; }
        public Builder transparentHttp(TransparentListener value) { transparentHttp = value; return this; }
        public Builder transparentTls(TransparentListener value) { transparentTls = value; return this; }
        public Builder http2(Http2Limits value) { http2 = value; return this; }

        public ProxySettings build() {
            return new ProxySettings(listenAddress, maxInitialLineLength, maxHeaderSize, maxChunkSize, connectTimeout,
                    requestHeaderTimeout, requestBodyTimeout, clientIdleTimeout, tunnelIdleTimeout, upstreamIdleTimeout,
                    responseTimeout, maxConnectionsPerHost, uploadSharePercent, connectionLimits, hostOverrides, dnsServers,
                    dnsQueryTimeout, hostsFile, proxyName, transparentHttp, transparentTls, http2);
        }
    }
}
