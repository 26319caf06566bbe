package dev.nexus.proxy.observe;

/**
 * The data plane's observations, reported as they happen on the event loop. Implementations must be
 * cheap and non-blocking (metrics counters, a bounded access-log queue). The default methods do
 * nothing, so a listener implements only what it needs.
 */
public interface ProxyEvents {

    ProxyEvents NONE = new ProxyEvents() {
    };

    default void clientConnectionOpened() {
    }

    default void clientConnectionClosed() {
    }

    default void upstreamConnectionOpened(long connectNanos) {
    }

    default void upstreamConnectionClosed() {
    }

    /** A request was refused as malformed before any policy or upstream work. */
    default void malformedRequest(MalformedReason reason) {
    }

    /**
     * {@code count} occurrences of an injected secret were overwritten in what {@code route} sent back
     * through {@code channel}. Never carries the secret.
     */
    default void redacted(String route, RedactionChannel channel, long count) {
    }

    /** A request or tunnel finished, successfully or not. */
    default void exchangeCompleted(ExchangeRecord record) {
    }
}
