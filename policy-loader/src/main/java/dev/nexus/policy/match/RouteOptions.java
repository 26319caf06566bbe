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
 */
public record RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout,
                           long maxBodyBytes, boolean unsignedPayload, RedactResponses redactResponses) {

    public static final long DEFAULT_MAX_BODY_BYTES = 10L * 1024 * 1024;

    public static final RouteOptions PASS_THROUGH = new RouteOptions(false, List.of(), null, DEFAULT_MAX_BODY_BYTES, false);

    public RouteOptions {
        stripRequestHeaders = List.copyOf(stripRequestHeaders);
        Objects.requireNonNull(redactResponses, "redactResponses");
    }

    /** Options with the default {@link RedactResponses#FULL}. */
    public RouteOptions(boolean interceptTls, List<String> stripRequestHeaders, Duration timeout, long maxBodyBytes,
                        boolean unsignedPayload) {
        this(interceptTls, stripRequestHeaders, timeout, maxBodyBytes, unsignedPayload, RedactResponses.FULL);
    }
}
