package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.CredentialException.Kind;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Several credential sources behind one, chosen per connection: e.g. {@code github} from the local file,
 * {@code billing} from an OAuth 2 token endpoint and everything else from the Authority. The lease cache
 * sits in front of this as of any source, so caching, refresh-ahead, single-flight and the 401 refresh work
 * the same whichever source serves a connection; failure state is kept per backend ({@link #backendFor}).
 */
public final class SourcesByConnection implements CredentialSource {

    private final Map<String, CredentialSource> assigned;
    private final CredentialSource fallback;

    /**
     * @param assigned connection id to the source that serves it
     * @param fallback serves every other connection; {@code null} answers them "not found"
     */
    public SourcesByConnection(Map<String, CredentialSource> assigned, CredentialSource fallback) {
        this.assigned = Map.copyOf(assigned);
        this.fallback = fallback;
    }

    @Override
    public CompletableFuture<Lease> fetch(String connectionId) {
        CredentialSource source = backendFor(connectionId);
        return source == null ? notFound(connectionId) : source.fetch(connectionId);
    }

    @Override
    public CompletableFuture<Lease> refresh(String connectionId) {
        CredentialSource source = backendFor(connectionId);
        return source == null ? notFound(connectionId) : source.refresh(connectionId);
    }

    /** Tells {@code listener} about changes a source reports for connections that source serves here. */
    @Override
    public void onChange(Consumer<String> listener) {
        Objects.requireNonNull(listener, "listener");
        for (CredentialSource source : distinctSources()) {
            source.onChange(connectionId -> {
                if (backendFor(connectionId) == source) {
                    listener.accept(connectionId);
                }
            });
        }
    }

    /** The source serving the connection, or {@code null} when none does. */
    @Override
    public CredentialSource backendFor(String connectionId) {
        return assigned.getOrDefault(connectionId, fallback);
    }

    private static CompletableFuture<Lease> notFound(String connectionId) {
        return CompletableFuture.failedFuture(new CredentialException(Kind.NOT_FOUND, connectionId,
                "no credential source is configured for this connection"));
    }

    private Set<CredentialSource> distinctSources() {
        Set<CredentialSource> sources = Collections.newSetFromMap(new IdentityHashMap<>());
        sources.addAll(assigned.values());
        if (fallback != null) {
            sources.add(fallback);
        }
        return sources;
    }

    /** Closes every source once. */
    @Override
    public void close() {
        distinctSources().forEach(CredentialSource::close);
    }

    @Override
    public String toString() {
        return "SourcesByConnection[" + assigned.size() + " assigned, fallback=" + fallback + "]";
    }
}
