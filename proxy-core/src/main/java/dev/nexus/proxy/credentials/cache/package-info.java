/**
 * {@link dev.nexus.proxy.credentials.cache.LeaseCache}, the {@link dev.nexus.proxy.credentials.LeaseProvider}
 * the data plane uses, tuned by {@link dev.nexus.proxy.credentials.cache.LeaseCacheSettings}, with a
 * secret-free {@link dev.nexus.proxy.credentials.cache.LeaseView} for the admin endpoint. Internals:
 * {@code GuardedSource} (circuit breaker, backoff, negative cache around every source call) and
 * {@code SharedTier} (the L2 read / lock / publish / await protocol).
 */
package dev.nexus.proxy.credentials.cache;
