package dev.nexus.proxy.tls;

/**
 * Decides whether the server name an agent put in its ClientHello (SNI) fits the host it asked the
 * proxy to CONNECT to. The CONNECT host is what the policy matched, so the TLS session must be for
 * that host and no other; otherwise an agent could CONNECT to an allowed host and then talk to
 * another one behind it (domain fronting).
 *
 * <p>The rule, in order:
 * <ol>
 *   <li>SNI equals the CONNECT host, ignoring case and a trailing dot: accepted.</li>
 *   <li>No SNI and the CONNECT host is an IP literal: accepted (clients never send SNI for IPs).</li>
 *   <li>No SNI and the CONNECT host is a name: accepted (some clients omit SNI); the leaf is minted
 *       for the CONNECT host.</li>
 *   <li>Anything else: refused.</li>
 * </ol>
 * In every accepted case the leaf is minted for the CONNECT host, never for the SNI.
 */
public final class SniVerifier {

    /** The outcome of the check. */
    public enum Verdict {
        MATCH(true),
        NO_SNI_IP_LITERAL(true),
        NO_SNI_NAME(true),
        MISMATCH(false);

        private final boolean accepted;

        Verdict(boolean accepted) {
            this.accepted = accepted;
        }

        /** True when the handshake may proceed with a leaf for the CONNECT host. */
        public boolean accepted() {
            return accepted;
        }
    }

    private SniVerifier() {
    }

    /**
     * @param connectHost the host of the CONNECT request (brackets around IPv6 allowed)
     * @param sni the SNI host name from the ClientHello, or null when the ClientHello had none
     */
    public static Verdict verify(String connectHost, String sni) {
        if (sni == null || sni.isEmpty()) {
            return HostNames.isIpLiteral(connectHost) ? Verdict.NO_SNI_IP_LITERAL : Verdict.NO_SNI_NAME;
        }
        return HostNames.normalize(sni).equals(HostNames.normalize(connectHost)) ? Verdict.MATCH : Verdict.MISMATCH;
    }
}
