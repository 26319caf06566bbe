package dev.nexus.proxy.streams;

import dev.nexus.proxy.exchange.AgentIdentity;

import java.time.Instant;
import java.util.Objects;

/**
 * What the registry shows about one open stream; no credential, header or query.
 *
 * @param agent        who opened it, or {@code null} when identity is not enforced
 * @param route        the policy route, or {@code null} for the policy default
 * @param connectionId the connection whose credential the stream carries, or {@code null} (tunnels)
 * @param openedAt     when the stream was registered
 */
public record StreamInfo(AgentIdentity agent, String route, String connectionId, String host, int port,
                         Instant openedAt) {

    public StreamInfo {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(openedAt, "openedAt");
    }
}
