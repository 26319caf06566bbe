/**
 * Who the agent is: {@link dev.nexus.proxy.identity.IdentityResolver} tries the configured methods
 * ({@code mtls}, {@code source}, {@code proxy_auth}, {@code anonymous}) in order and yields an
 * {@link dev.nexus.proxy.exchange.AgentIdentity} for policy, metrics ({@link dev.nexus.proxy.identity.AgentLabels})
 * and the audit trail. Agent secrets are only ever held as PBKDF2 hashes and checked off the event loop.
 */
package dev.nexus.proxy.identity;
