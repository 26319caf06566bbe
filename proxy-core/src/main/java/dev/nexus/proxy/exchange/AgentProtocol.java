package dev.nexus.proxy.exchange;

import io.netty.handler.codec.http.HttpVersion;

/**
 * How the agent spoke to the proxy on one exchange: HTTP/1.x ({@code h1}, CONNECT tunnels included), HTTP/2
 * after TLS interception ({@code h2}) or HTTP/2 with prior knowledge inside a CONNECT ({@code h2c}). Its
 * {@link #label()} is what access log, audit trail and metrics carry.
 */
public enum AgentProtocol {
    H1("h1"), H2("h2"), H2C("h2c");

    private final String label;

    AgentProtocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * The received-protocol of the {@code Via} entry the proxy adds to a request it forwards (RFC 9110 section
     * 7.6.3): {@code 2} for HTTP/2, else the version the agent wrote in its request line ({@code 1.1}, {@code 1.0}).
     * The HTTP/2-to-HTTP conversion labels every stream HTTP/1.1, so the version alone cannot tell.
     */
    public String viaVersion(HttpVersion requestVersion) {
        if (this != H1) {
            return "2";
        }
        if (requestVersion.equals(HttpVersion.HTTP_1_1)) {
            return "1.1"; // the common case, without building a string per request
        }
        return requestVersion.majorVersion() + "." + requestVersion.minorVersion();
    }
}
