package dev.nexus.proxy.strategy;

import dev.nexus.policy.match.RouteOptions;

/**
 * Route-level switches that change how a strategy signs, independent of the Authority's spec.
 *
 * @param unsignedPayload aws_sigv4 signs with {@code UNSIGNED-PAYLOAD} instead of hashing the body,
 *                        so the body can stream without being buffered (S3 over HTTPS accepts it)
 */
public record StrategyOptions(boolean unsignedPayload) {

    public static final StrategyOptions DEFAULT = new StrategyOptions(false);

    public static StrategyOptions from(RouteOptions route) {
        return new StrategyOptions(route.unsignedPayload());
    }
}
