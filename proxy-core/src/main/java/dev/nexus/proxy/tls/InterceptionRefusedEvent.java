package dev.nexus.proxy.tls;

/**
 * Fired through the pipeline by {@link InterceptingTlsHandler} just before it closes a connection it
 * refused to intercept, so the integrator can count and log the refusal.
 *
 * @param connectHost the CONNECT host
 * @param sni the ClientHello's server name, or null when it had none
 * @param reason why the connection was refused
 * @param detail a short human-readable explanation, safe to log
 */
public record InterceptionRefusedEvent(String connectHost, String sni, Reason reason, String detail) {

    /** Why an interception was refused. */
    public enum Reason {
        /** The ClientHello named a different host than the CONNECT request (domain fronting). */
        SNI_MISMATCH,
        /** No leaf could be minted or no TLS context built for the host. */
        CERTIFICATE_UNAVAILABLE
    }
}
