package dev.nexus.proxy.credentials;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A {@link SharedLeaseStore} that passes every call to another one; tests override single calls to hold
 * them back and so pin down an interleaving of two replicas that real timing only produces now and then.
 */
class ForwardingLeaseStore implements SharedLeaseStore {

    private final SharedLeaseStore delegate;

    ForwardingLeaseStore(SharedLeaseStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Optional<Lease>> read(String connectionId) {
        return delegate.read(connectionId);
    }

    @Override
    public CompletableFuture<Void> publish(Lease lease) {
        return delegate.publish(lease);
    }

    @Override
    public CompletableFuture<Void> invalidate(String connectionId) {
        return delegate.invalidate(connectionId);
    }

    @Override
    public CompletableFuture<Boolean> tryAcquireFetchLock(String connectionId, Duration hold) {
        return delegate.tryAcquireFetchLock(connectionId, hold);
    }

    @Override
    public CompletableFuture<Void> releaseFetchLock(String connectionId) {
        return delegate.releaseFetchLock(connectionId);
    }

    @Override
    public CompletableFuture<Optional<Lease>> awaitPublication(String connectionId, Duration timeout) {
        return delegate.awaitPublication(connectionId, timeout);
    }

    @Override
    public void onRemoteChange(Consumer<String> listener) {
        delegate.onRemoteChange(listener);
    }

    @Override
    public void onRemoteInvalidation(Consumer<String> listener) {
        delegate.onRemoteInvalidation(listener);
    }

    @Override
    public CompletableFuture<Void> invalidateTerminal(String connectionId, CredentialException.Kind kind) {
        return delegate.invalidateTerminal(connectionId, kind);
    }

    @Override
    public void onRemoteTerminal(BiConsumer<String, CredentialException.Kind> listener) {
        delegate.onRemoteTerminal(listener);
    }

    @Override
    public CompletableFuture<Void> shareRateLimit(Instant until) {
        return delegate.shareRateLimit(until);
    }

    @Override
    public CompletableFuture<Optional<Instant>> sharedRateLimit() {
        return delegate.sharedRateLimit();
    }

    @Override
    public void onRemoteRateLimit(Consumer<Instant> listener) {
        delegate.onRemoteRateLimit(listener);
    }

    @Override
    public boolean available() {
        return delegate.available();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
