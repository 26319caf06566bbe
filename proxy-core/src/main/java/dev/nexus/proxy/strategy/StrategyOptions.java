package dev.nexus.proxy.strategy;

import dev.nexus.policy.match.RouteOptions;

/**
 * Route-level switches that change how a strategy signs, independent of the Authority's spec.
 *
 * @param unsignedPayload aws_sigv4 signs with {@code UNSIGNED-PAYLOAD} instead of hashing the body,
 *                        so the body can stream without being buffered (S3 over HTTPS accepts it)
 * @param maxBodyBytes    the most a strategy holds of a body at once: the whole body it signs, or one
 *                        chunk of an aws-chunked upload it re-signs
 */
public record StrategyOptions(boolean unsignedPayload, long maxBodyBytes) {

    public static final StrategyOptions DEFAULT = new StrategyOptions(false);

    public StrategyOptions(boolean unsignedPayload) {
        this(unsignedPayload, RouteOptions.DEFAULT_MAX_BODY_BYTES);
    }

    public static StrategyOptions from(RouteOptions route) {
        return new StrategyOptions(route.unsignedPayload(), route.maxBodyBytes());
    }
}
