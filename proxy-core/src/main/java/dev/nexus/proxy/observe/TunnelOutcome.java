package dev.nexus.proxy.observe;

/**
 * How a {@code CONNECT} tunnel ended up, the {@code outcome} label of {@code nexus_tunnels_total}.
 * An enum keeps the label's cardinality fixed by construction.
 */
enum TunnelOutcome {
    /** 200 Connection Established was sent and bytes were relayed. */
    ESTABLISHED,
    /** Refused by policy (403). */
    DENIED,
    /** The origin could not be reached (502). */
    CONNECT_FAILED,
    /** The origin did not accept the connection in time (504). */
    CONNECT_TIMEOUT;

    final String label = name().toLowerCase(java.util.Locale.ROOT);
}
