/**
 * The credential strategies of the Nexus execution contract (with protocol 0.4's {@code {field}} path and
 * query templating), as a pure library the request path
 * calls.
 *
 * <p>Public API: {@link dev.nexus.proxy.strategy.Strategies#create} turns a
 * {@link dev.nexus.policy.model.StrategySpec} plus route {@link dev.nexus.proxy.strategy.StrategyOptions}
 * into an immutable {@link dev.nexus.proxy.strategy.CredentialStrategy}, which strips the agent's own
 * credentials from an {@link dev.nexus.proxy.strategy.OutboundRequest} and applies a
 * {@link dev.nexus.proxy.credentials.Lease}. Failures are {@link dev.nexus.proxy.strategy.StrategyException}s
 * whose messages are safe to show the agent.
 *
 * <p>Everything else (the strategy classes, SigV4 canonicalisation and signing, URI encoding, query
 * editing, digests) is package-private and may change.
 */
package dev.nexus.proxy.strategy;
