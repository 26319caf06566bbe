package dev.nexus.proxy.tls;

import java.time.Duration;

/**
 * Settings of the agent-facing (intercepting) side of TLS.
 *
 * @param leafKeyType key algorithm of minted leaves ({@code tls.leaf_key}, default ecdsa-p256)
 * @param leafValidity validity of each leaf ({@code tls.leaf_validity}, default 24h, at least 10 minutes)
 * @param maxCachedContexts how many hosts' leaf contexts stay cached ({@code tls.leaf_cache_size}, default 1,000;
 *     each holds about 64 KiB, most of it the native TLS context, outside the JVM's heap bound)
 * @param mintThreads threads that generate keys and sign leaves ({@code tls.mint_threads}, default 2)
 * @param clientHelloTimeout how long an agent may take to send its ClientHello after the CONNECT 200
 *     ({@code tls.client_hello_timeout}, default 10s)
 */
public record InterceptionSettings(LeafKeyType leafKeyType, Duration leafValidity, int maxCachedContexts,
                                   int mintThreads, Duration clientHelloTimeout) {

    public InterceptionSettings {
        if (maxCachedContexts < 1) {
            throw new IllegalArgumentException("tls.leaf_cache_size must be at least 1, got " + maxCachedContexts);
        }
        if (mintThreads < 1) {
            throw new IllegalArgumentException("tls.mint_threads must be at least 1, got " + mintThreads);
        }
        if (clientHelloTimeout.isNegative() || clientHelloTimeout.isZero()) {
            throw new IllegalArgumentException("tls.client_hello_timeout must be positive, got " + clientHelloTimeout);
        }
    }

    /** The documented defaults. */
    public static InterceptionSettings defaults() {
        return new InterceptionSettings(LeafKeyType.ECDSA_P256, Duration.ofHours(24), 1_000, 2,
                Duration.ofSeconds(10));
    }

    /**
     * How long a context stays cached: its leaf's validity minus a margin (a quarter of it, at most an
     * hour), so an agent never receives a leaf about to expire.
     */
    Duration cacheLifetime() {
        Duration quarter = leafValidity.dividedBy(4);
        Duration margin = quarter.compareTo(Duration.ofHours(1)) < 0 ? quarter : Duration.ofHours(1);
        return leafValidity.minus(margin);
    }
}
