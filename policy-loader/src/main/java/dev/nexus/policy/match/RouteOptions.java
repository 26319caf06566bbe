package dev.nexus.policy.match;

import dev.nexus.policy.model.RedactResponses;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Per-route options the data plane honours once a route is chosen.
 *
 * @param interceptTls        terminate the agent's TLS with a leaf from the proxy CA (true by default for inject routes)
 * @param stripRequestHeaders header names removed from the agent's request before forwarding
 * @param timeout             upstream response timeout for this route, or {@code null} for the proxy default
 * @param maxBodyBytes        the largest body buffered for body-signing strategies
 * @param unsignedPayload     aws_sigv4 signs with {@code UNSIGNED-PAYLOAD} instead of buffering the body (HTTPS only)
 * @param redactResponses     how much of an inject route's responses is scanned for the injected credential
 * @param lifetimes           how long streams and tunnels on this route may stay open
 * @param replayBufferBytes   the largest streamed body copied to replay it after an origin's 401; 0 copies none
 */
public record RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout,
                           long maxBodyBytes, boolean unsignedPayload, RedactResponses redactResponses,
                           Lifetimes lifetimes, long replayBufferBytes) {

    public static final long DEFAULT_MAX_BODY_BYTES = 10L * 1024 * 1024;
    public static final long DEFAULT_REPLAY_BUFFER_BYTES = 64 * 1024;

    public static final RouteOptions PASS_THROUGH = new RouteOptions(false, List.of(), null, DEFAULT_MAX_BODY_BYTES, false);

    /**
     * Limits on long-lived exchanges: an exchange carrying an injected credential (a WebSocket, an event
     * stream, a long poll) and a CONNECT tunnel.
     *
     * @param maxStreamLifetime       an exchange on an inject route is ended after this long; {@code null}: no limit
     * @param closeOnCredentialExpiry an exchange on an inject route is ended when the lease it started with expires
     * @param maxTunnelLifetime       a CONNECT tunnel on an allow route is closed after this long; {@code null}: no limit
     */
    public record Lifetimes(Duration maxStreamLifetime, boolean closeOnCredentialExpiry, Duration maxTunnelLifetime) {

        /** No limit: streams and tunnels last until either side ends them. */
        public static final Lifetimes UNLIMITED = new Lifetimes(null, false, null);
    }

    public RouteOptions {
        stripRequestHeaders = List.copyOf(stripRequestHeaders);
        Objects.requireNonNull(redactResponses, "redactResponses");
        lifetimes = lifetimes == null ? Lifetimes.UNLIMITED : lifetimes;
    }

    /** Options with the default {@link RedactResponses#FULL} and no lifetime limits. */
    public RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout, long maxBodyBytes,
                        boolean unsignedPayload) {
        this(interceptTls, stripRequestHeaders, timeout, maxBodyBytes, unsignedPayload, RedactResponses.FULL);
    }

    /** Options without lifetime limits. */
    public RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout, long maxBodyBytes,
                        boolean unsignedPayload, RedactResponses redactResponses) {
        this(interceptTls, stripRequestHeaders, timeout, maxBodyBytes, unsignedPayload, redactResponses,
                Lifetimes.UNLIMITED);
    }

    /** Options with the default replay copy. */
    public RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout, long maxBodyBytes,
                        boolean unsignedPayload, RedactResponses redactResponses, Lifetimes lifetimes) {
        this(interceptTls, stripRequestHeaders, timeout, maxBodyBytes, unsignedPayload, redactResponses, lifetimes,
                DEFAULT_REPLAY_BUFFER_BYTES);
    }

    /** Options with the default {@link RedactResponses#FULL}. */
    public RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout, long maxBodyBytes,
                        boolean unsignedPayload, Lifetimes lifetimes) {
        this(interceptTls, stripRequestHeaders, timeout, maxBodyBytes, unsignedPayload, RedactResponses.FULL,
                lifetimes);
    }
}
