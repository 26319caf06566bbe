package dev.nexus.proxy.credentials.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterURIUtil;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach the shared Redis and protect what is stored there (the {@code redis:} config section).
 * Build with {@link #of(String, LeaseCipher)} and adjust with the {@code with...} methods.
 * {@link #toString()} hides the password in the URL and prints key ids only.
 *
 * @param url                 {@code redis.url}: {@code redis://} or {@code rediss://} (TLS), with an
 *                            optional {@code user:password@} or {@code :password@}; Sentinel as
 *                            {@code redis-sentinel://[password@]host:port[,host:port]/[db]#master};
 *                            with {@code cluster}, one or more comma-separated seed nodes
 * @param cluster             {@code redis.cluster}: the URL names Redis Cluster seed nodes
 * @param namespace           {@code redis.namespace}: prefix of every key and of the events channel
 * @param commandTimeout      {@code redis.command_timeout}: the longest any store call waits on Redis
 *                            before it falls back (read: miss, lock: "you fetch", writes: done)
 * @param maxLeaseAge         {@code redis.max_lease_age}: TTL of leases that carry no expiry
 * @param healthCheckInterval {@code redis.health_check_interval}: how often a PING checks that Redis answers
 * @param cipher              the encryption keys ({@code redis.encryption.active_key} and {@code .keys})
 */
public record RedisStoreSettings(String url, boolean cluster, String namespace, Duration commandTimeout,
                                 Duration maxLeaseAge, Duration healthCheckInterval, LeaseCipher cipher) {

    public static final String DEFAULT_NAMESPACE = "nexus:lease:";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);
    public static final Duration DEFAULT_MAX_LEASE_AGE = Duration.ofMinutes(10);
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");

    public RedisStoreSettings {
        Objects.requireNonNull(cipher, "redis.encryption keys");
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("redis.url must not be blank (omit the redis section to run without Redis)");
        }
        redisUris(url, cluster); // validates the URL now, at startup, rather than on first connect
        if (namespace == null || namespace.isEmpty()) {
            throw new IllegalArgumentException("redis.namespace must not be empty");
        }
        requirePositive(commandTimeout, "redis.command_timeout");
        requirePositive(maxLeaseAge, "redis.max_lease_age");
        requirePositive(healthCheckInterval, "redis.health_check_interval");
    }

    /** Settings with the defaults: standalone or Sentinel, namespace {@value #DEFAULT_NAMESPACE}, 500 ms timeout. */
    public static RedisStoreSettings of(String url, LeaseCipher cipher) {
        return new RedisStoreSettings(url, false, DEFAULT_NAMESPACE, DEFAULT_COMMAND_TIMEOUT, DEFAULT_MAX_LEASE_AGE,
                DEFAULT_HEALTH_CHECK_INTERVAL, cipher);
    }

    public RedisStoreSettings withCluster(boolean cluster) {
        return new RedisStoreSettings(url, cluster, namespace, commandTimeout, maxLeaseAge, healthCheckInterval, cipher);
    }

    public RedisStoreSettings withNamespace(String namespace) {
        return new RedisStoreSettings(url, cluster, namespace, commandTimeout, maxLeaseAge, healthCheckInterval, cipher);
    }

    public RedisStoreSettings withCommandTimeout(Duration commandTimeout) {
        return new RedisStoreSettings(url, cluster, namespace, commandTimeout, maxLeaseAge, healthCheckInterval, cipher);
    }

    public RedisStoreSettings withMaxLeaseAge(Duration maxLeaseAge) {
        return new RedisStoreSettings(url, cluster, namespace, commandTimeout, maxLeaseAge, healthCheckInterval, cipher);
    }

    public RedisStoreSettings withHealthCheckInterval(Duration healthCheckInterval) {
        return new RedisStoreSettings(url, cluster, namespace, commandTimeout, maxLeaseAge, healthCheckInterval, cipher);
    }

    /** The URL with any password replaced by {@code ***}, for logs and error messages. */
    public String redactedUrl() {
        return USER_INFO.matcher(url).replaceAll("//***@");
    }

    /** The URL parsed by Lettuce: one URI for standalone and Sentinel, the seed nodes for Cluster. */
    List<RedisURI> redisUris() {
        return redisUris(url, cluster);
    }

    @Override
    public String toString() {
        return "RedisStoreSettings[url=" + redactedUrl() + ", cluster=" + cluster + ", namespace=" + namespace
                + ", commandTimeout=" + commandTimeout + ", maxLeaseAge=" + maxLeaseAge
                + ", healthCheckInterval=" + healthCheckInterval + ", cipher=" + cipher + "]";
    }

    private static List<RedisURI> redisUris(String url, boolean cluster) {
        try {
            return cluster ? RedisClusterURIUtil.toRedisURIs(URI.create(url)) : List.of(RedisURI.create(url));
        } catch (RuntimeException e) {
            // Parser messages may quote the whole URL, password included: name the field, not the value.
            throw new IllegalArgumentException("redis.url is not a valid Redis" + (cluster ? " Cluster" : "")
                    + " URL: " + USER_INFO.matcher(url).replaceAll("//***@"));
        }
    }

    private static void requirePositive(Duration value, String field) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, got " + value);
        }
    }
}
