package dev.nexus.proxy.services;

import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.exchange.ConnectionTracker;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.ProxyEvents;
import dev.nexus.proxy.redact.SecretPatternCache;
import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.upstream.UpstreamPools;

/**
 * What every agent connection shares: settings, the policy, the credential pipeline, the upstream
 * pools, TLS interception, observation and the connection tracker. Created once per listener.
 *
 * @param injector     applies credentials on inject routes; {@code null} when no credential source is configured
 * @param interception leaf certificates for intercepted HTTPS; {@code null} when interception is off
 * @param agents       agent identity, per-agent metrics and the audit trail
 * @param secretPatterns what response redaction looks for, compiled once per lease and strategy
 * @param streams      open exchanges carrying injected credentials, and open tunnels (revocation, lifetimes)
 */
public record ProxyServices(ProxySettings settings, PolicyDecider policy, CredentialInjector injector,
                            UpstreamPools pools, InterceptionContexts interception, ProxyEvents events,
                            ConnectionTracker tracker, AgentServices agents, SecretPatternCache secretPatterns,
                            LiveStreams streams) {
}
