package dev.nexus.proxy.ingress;

import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.decision.RouteDecision;
import dev.nexus.proxy.decision.RouteOutcome;
import dev.nexus.proxy.relay.ReadGate;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
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

    /** Where an identified and decided request goes next; called on the channel's event loop. */
    interface Decided {
        /**
         * @param resumed the outcome follows a password check that ran off the event loop, while the
         *                handler kept later input waiting
         */
        void decided(RouteOutcome outcome, boolean resumed);

        /** The channel closed while the password was being checked: nothing is decided. */
        void gone();
    }

    /**
     * Identifies the request's agent and decides its route. Completes at once unless a password hash must be
     * checked: that runs off the event loop with reading paused ({@link ReadGate#AWAITING_IDENTITY}), and the
     * outcome follows on {@code ctx}'s event loop.
     *
     * @param agentConnection the agent's TCP connection (an HTTP/2 stream's parent)
     * @return whether {@code next} has been told already
     */
    static boolean decide(AgentServices agents, RouteDecision routing, ChannelHandlerContext ctx,
                          Channel agentConnection, HttpRequest request, RouteDecision.Head head, ReadGate gate,
                          Decided next) {
        CompletableFuture<IdentityResolver.Resolution> identity = identify(agents, agentConnection, request);
        if (identity.isDone()) {
            next.decided(routing.decide(identity.join(), head), false);
            return true;
        }
        gate.close(ReadGate.AWAITING_IDENTITY);
        identity.whenComplete((resolution, error) -> ctx.executor().execute(() -> {
            gate.open(ReadGate.AWAITING_IDENTITY);
            if (ctx.channel().isActive()) {
                next.decided(routing.decide(error == null ? resolution : new IdentityResolver.Busy(), head), true);
            } else {
                next.gone();
            }
        }));
        return false;
    }

    /** Completes at once unless a password hash must be checked (then on the verification threads). */
    private static CompletableFuture<IdentityResolver.Resolution> identify(AgentServices agents, Channel channel,
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
