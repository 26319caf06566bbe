package dev.nexus.proxy.observe.audit;

/**
 * Where the data plane reports audit events. Implementations never block the caller, which is
 * usually a Netty event loop.
 */
public interface AuditTrail {

    /** Audit disabled: events are discarded. */
    AuditTrail DISABLED = event -> { };

    /** Records {@code event}; returns at once. */
    void record(AuditEvent event);
}
