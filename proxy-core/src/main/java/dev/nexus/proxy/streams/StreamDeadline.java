package dev.nexus.proxy.streams;

import dev.nexus.policy.match.RouteOptions;

import java.time.Duration;
import java.time.Instant;

/**
 * When the proxy ends a stream of its own accord, and why: the earliest of the route's lifetime limit and,
 * with {@code on_credential_expiry: close}, the expiry of the lease the stream started with.
 *
 * @param at when to end the stream
 */
public record StreamDeadline(Instant at, StreamEnd reason) {

    /**
     * The deadline of an exchange on an inject route opened at {@code openedAt} with a lease expiring at
     * {@code leaseExpiresAt} ({@code null}: no expiry), or {@code null} when the route sets no limit.
     */
    public static StreamDeadline forExchange(RouteOptions.Lifetimes lifetimes, Instant openedAt, Instant leaseExpiresAt) {
        StreamDeadline lifetime = after(openedAt, lifetimes.maxStreamLifetime(), StreamEnd.MAX_STREAM_LIFETIME);
        if (!lifetimes.closeOnCredentialExpiry() || leaseExpiresAt == null) {
            return lifetime;
        }
        StreamDeadline expiry = new StreamDeadline(leaseExpiresAt, StreamEnd.CREDENTIAL_EXPIRED);
        return lifetime == null || expiry.at.isBefore(lifetime.at) ? expiry : lifetime;
    }

    /** The deadline of a CONNECT tunnel opened at {@code openedAt}, or {@code null} when the route sets none. */
    public static StreamDeadline forTunnel(RouteOptions.Lifetimes lifetimes, Instant openedAt) {
        return after(openedAt, lifetimes.maxTunnelLifetime(), StreamEnd.MAX_TUNNEL_LIFETIME);
    }

    private static StreamDeadline after(Instant openedAt, Duration limit, StreamEnd reason) {
        return limit == null ? null : new StreamDeadline(openedAt.plus(limit), reason);
    }
}
