package dev.nexus.proxy.ingress;

import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.identity.IdentityResolver;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLSession;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Who sent a request: the identity the connection already established (the agent that opened an
 * intercepted tunnel), else what the configured methods say (client certificate on the mTLS listener,
 * source address, {@code Proxy-Authorization}). Without identity methods every agent is unnamed and the
 * policy sees {@code ""}.
 */
final class AgentIdentification {

    private static final CompletableFuture<IdentityResolver.Resolution> UNNAMED =
            CompletableFuture.completedFuture(new IdentityResolver.Identified(null));

    private AgentIdentification() {
    }

    /** Completes at once unless a password hash must be checked (then on the verification threads). */
    static CompletableFuture<IdentityResolver.Resolution> identify(AgentServices agents, Channel channel,
                                                                  HttpRequest request) {
        if (agents.identity() == null) {
            return UNNAMED;
        }
        AgentIdentity established = channel.attr(IdentityResolver.CONNECTION_IDENTITY).get();
        if (established != null) {
            return CompletableFuture.completedFuture(new IdentityResolver.Identified(established));
        }
        SslHandler mtls = (SslHandler) channel.pipeline().get(PipelineNames.MTLS);
        SSLSession session = mtls == null ? null : mtls.engine().getSession();
        return agents.identity().resolve(((InetSocketAddress) channel.remoteAddress()).getAddress(), session,
                request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));
    }

    /** The name the policy matches on. */
    static String policyName(AgentIdentity identity) {
        return identity == null ? "" : identity.name();
    }
}
