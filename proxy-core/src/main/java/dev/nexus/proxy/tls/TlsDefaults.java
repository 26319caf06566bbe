package dev.nexus.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;

/** Protocol versions and ALPN shared by both legs of an intercepted connection. */
final class TlsDefaults {

    /** TLS 1.2 and 1.3 only: older versions have known weaknesses and no client needs them. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * ALPN offering only http/1.1: the upstream leg of HTTP/1.1 agents' requests. Without a match the
     * handshake proceeds without ALPN, which every HTTP/1.1 client accepts.
     */
    static final ApplicationProtocolConfig HTTP_1_1_ONLY = new ApplicationProtocolConfig(Protocol.ALPN,
            SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_1_1);

    /**
     * ALPN of the agent-facing leaf: h2 preferred, http/1.1 otherwise; an agent that offers neither (or no
     * ALPN) gets HTTP/1.1, the protocol a TLS client without ALPN expects. The upstream leg of HTTP/2 agents'
     * requests offers the same, and an origin that picks neither (or ignores ALPN) is spoken to in HTTP/1.1.
     */
    static final ApplicationProtocolConfig H2_AND_HTTP_1_1 = new ApplicationProtocolConfig(Protocol.ALPN,
            SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

    private TlsDefaults() {
    }
}
