package dev.nexus.proxy.services;

import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.tls.UpstreamTlsContexts;

/**
 * TLS on both sides of the proxy.
 *
 * @param interception leaf certificates for terminating agents' TLS on intercepted CONNECTs; {@code null}
 *                     disables interception (routes that need it answer 501)
 * @param upstream     verified client TLS towards origins
 */
public record TlsComponents(InterceptionContexts interception, UpstreamTlsContexts upstream) {
}
