/**
 * The second lease cache level: Redis, shared by every replica of the proxy
 * ({@link dev.nexus.proxy.credentials.redis.RedisLeaseStore}, configured by
 * {@link dev.nexus.proxy.credentials.redis.RedisStoreSettings}).
 *
 * <p>What lives in Redis, with the default namespace {@code nexus:lease:}:
 * <pre>
 *   nexus:lease:&lt;connection id&gt;       encrypted lease record, TTL = the lease's remaining lifetime
 *   nexus:lease:lock:&lt;connection id&gt;  fetch lock: a random token, SET NX PX, deleted only by its owner
 *   nexus:lease:ratelimit            the Authority's 429 deadline (epoch ms), TTL = until it passes
 *   nexus:lease:events               pub/sub channel: {"op":"published"|"invalidated"|"terminal"|"rate_limited",...}
 * </pre>
 *
 * <p>Records are AES-256-GCM encrypted by {@link dev.nexus.proxy.credentials.redis.LeaseCipher}; Redis
 * (and anyone who can read it) sees only key ids, random IVs and ciphertext. To rotate keys: configure
 * the new key on every replica, then make it the active one, then remove the old key after the longest
 * lease lifetime (or {@code max_lease_age}) has passed.
 *
 * <p>Redis is an optimisation, never a dependency: when it is down or slow, every call answers within
 * the command timeout as if Redis were empty, and the proxy works from its own cache and the Authority.
 */
package dev.nexus.proxy.credentials.redis;
