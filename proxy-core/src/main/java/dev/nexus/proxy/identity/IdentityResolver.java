package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLSession;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Decides who an agent is by trying the configured methods in order; the first that names the
 * agent wins. {@code mtls} and {@code source} look at the connection, {@code proxy_auth} at the
 * request's {@code Proxy-Authorization} header, {@code anonymous} matches everyone (and is only in
 * the chain when configured). A request that sends credentials gets them checked: wrong
 * credentials are a 407, never a fall-through to a later method.
 */
public final class IdentityResolver implements AutoCloseable {

    /** The answer for one request. */
    public sealed interface Resolution permits Identified, ProxyAuthRequired, Unidentified, Busy {
    }

    /** Proceed as {@code identity}. */
    public record Identified(AgentIdentity identity) implements Resolution {
    }

    /** Answer 407 with {@link ProxyAuthChallenge#response}; {@code reason} is for logs and audit only. */
    public record ProxyAuthRequired(AuthResult.Reason reason) implements Resolution {
    }

    /** No method named the agent and none can ask for credentials: answer 403 {@code unknown_agent}. */
    public record Unidentified() implements Resolution {
    }

    /** Credential checks are saturated: answer 503. */
    public record Busy() implements Resolution {
    }

    /**
     * The identity established on a connection. Set when a CONNECT is accepted, so requests decrypted
     * inside an intercepted tunnel (which carry no {@code Proxy-Authorization} of their own) run as the
     * agent that opened the tunnel; mTLS and source identities can be cached here per connection too.
     */
    public static final AttributeKey<AgentIdentity> CONNECTION_IDENTITY = AttributeKey.valueOf("nexus.agent-identity");

    private static final CompletableFuture<Resolution> ANONYMOUS =
            CompletableFuture.completedFuture(new Identified(AgentIdentity.ANONYMOUS));
    private static final CompletableFuture<Resolution> UNIDENTIFIED = CompletableFuture.completedFuture(new Unidentified());
    private static final CompletableFuture<Resolution> MISSING_CREDENTIALS =
            CompletableFuture.completedFuture(new ProxyAuthRequired(AuthResult.Reason.MISSING));

    private final List<AgentIdentity.Method> order;
    private final ProxyAuthenticator proxyAuth;
    private final SourceIdentities sources;

    /**
     * @param order     the methods to try, in order, without duplicates
     * @param proxyAuth required when {@code order} contains {@code proxy_auth}, else ignored
     * @param sources   required when {@code order} contains {@code source}, else ignored
     */
    public IdentityResolver(List<AgentIdentity.Method> order, ProxyAuthenticator proxyAuth, SourceIdentities sources) {
        if (order.isEmpty() || order.size() != order.stream().distinct().count()) {
            throw new IllegalArgumentException("identity methods must be a non-empty list without duplicates, got " + order);
        }
        if (order.contains(AgentIdentity.Method.PROXY_AUTH) && proxyAuth == null) {
            throw new IllegalArgumentException("identity method proxy_auth needs an agents file");
        }
        if (order.contains(AgentIdentity.Method.SOURCE) && sources == null) {
            throw new IllegalArgumentException("identity method source needs a source map");
        }
        this.order = List.copyOf(order);
        this.proxyAuth = proxyAuth;
        this.sources = sources;
    }

    /** Whether a request can carry credentials that matter, i.e. {@code Proxy-Authorization} is read. */
    boolean usesProxyAuthorization() {
        return order.contains(AgentIdentity.Method.PROXY_AUTH);
    }

    /**
     * Resolves one request's identity. Completes at once unless a {@code Proxy-Authorization} header has
     * to be verified, in which case it completes on the verification executor: hop back to the
     * channel's event loop before touching the channel.
     *
     * @param client             the agent's address
     * @param tlsSession         the proxy listener's TLS session with the agent, or {@code null} on plain TCP
     * @param proxyAuthorization the header's value, or {@code null}
     */
    public CompletableFuture<Resolution> resolve(InetAddress client, SSLSession tlsSession, String proxyAuthorization) {
        for (AgentIdentity.Method method : order) {
            switch (method) {
                case MTLS -> {
                    AgentIdentity identity = tlsSession == null ? null : MtlsIdentities.fromSession(tlsSession);
                    if (identity != null) {
                        return CompletableFuture.completedFuture(new Identified(identity));
                    }
                }
                case SOURCE -> {
                    AgentIdentity identity = client == null ? null : sources.lookup(client);
                    if (identity != null) {
                        return CompletableFuture.completedFuture(new Identified(identity));
                    }
                }
                case PROXY_AUTH -> {
                    if (proxyAuthorization != null) {
                        return proxyAuth.verify(proxyAuthorization, client).thenApply(IdentityResolver::toResolution);
                    }
                }
                case ANONYMOUS -> {
                    return ANONYMOUS;
                }
            }
        }
        return usesProxyAuthorization() ? MISSING_CREDENTIALS : UNIDENTIFIED;
    }

    private static Resolution toResolution(AuthResult result) {
        if (result instanceof AuthResult.Authenticated ok) {
            return new Identified(ok.identity());
        }
        if (result instanceof AuthResult.Challenge challenge) {
            return new ProxyAuthRequired(challenge.reason());
        }
        return new Busy();
    }

    @Override
    public void close() {
        if (proxyAuth != null) {
            proxyAuth.close();
        }
    }
}
