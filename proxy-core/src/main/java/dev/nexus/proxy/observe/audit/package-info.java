/**
 * The audit trail: one JSON line per decision that touches a credential or refuses an agent
 * ({@link dev.nexus.proxy.observe.audit.AuditEvent}), written off the event loop by
 * {@link dev.nexus.proxy.observe.audit.AuditSink} to stdout or a size-rotated file. Never a secret
 * value, a header or a query string.
 */
package dev.nexus.proxy.observe.audit;
