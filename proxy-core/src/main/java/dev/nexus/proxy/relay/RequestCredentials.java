package dev.nexus.proxy.relay;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.ingress.RequestTarget;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.strategy.OutboundRequest;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The credential side of one request on an {@code inject} route: its {@link InjectionPlan} (lease and
 * strategy), the agent's own credentials stripped from the outbound head, the body collected when the
 * strategy signs it, and at most one refresh after the origin answers 401. It owns the collected body;
 * the {@link ForwardExchange} that drives it owns flow control and the connections.
 */
final class RequestCredentials {

    private final CredentialInjector injector;
    private final Decision.Inject decision;
    private final RequestTarget target;
    private final HttpRequest outbound;
    private InjectionPlan plan;
    private CompositeByteBuf signedBody;
    private boolean refreshed;

    /**
     * @param outbound the head as the origin will receive it; strategies change it in place
     */
    RequestCredentials(CredentialInjector injector, Decision.Inject decision, RequestTarget target, HttpRequest outbound) {
        this.injector = injector;
        this.decision = decision;
        this.target = target;
        this.outbound = outbound;
    }

    /** The plan for this request; completes on any thread, failures are CredentialException or StrategyException. */
    CompletableFuture<InjectionPlan> plan() {
        return injector.plan(decision);
    }

    /**
     * Takes the plan and strips what the agent sent. Credentials are applied at once unless the strategy
     * signs a body the request has: then it must first be {@linkplain #collect collected} and
     * {@linkplain #sign signed}.
     *
     * @return whether the body must be collected before the request can be sent
     */
    boolean adopt(InjectionPlan planned, boolean requestHasBody, ByteBufAllocator alloc) {
        plan = planned;
        plan.strip(outboundRequest());
        if (plan.needsBody() && requestHasBody) {
            signedBody = alloc.compositeBuffer(Integer.MAX_VALUE);
            return true;
        }
        plan.apply(outboundRequest());
        return false;
    }

    /**
     * Keeps a piece of the body to be signed, taking over {@code content}.
     *
     * @return {@code false} (content released, nothing kept) when the body would exceed the route's limit
     */
    boolean collect(HttpContent content) {
        if (signedBody.readableBytes() + (long) content.content().readableBytes() > maxBodyBytes()) {
            content.release();
            return false;
        }
        signedBody.addComponent(true, content.content().retain());
        content.release();
        return true;
    }

    /** The most a signed body may hold on this route. */
    long maxBodyBytes() {
        return decision.options().maxBodyBytes();
    }

    /**
     * Applies the credentials over the collected body. The head then declares the body's exact length.
     *
     * @return the body to send, as the request's only content
     */
    LastHttpContent sign() {
        plan.apply(outboundRequest());
        outbound.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        HttpUtil.setContentLength(outbound, signedBody.readableBytes());
        return bodyToResend();
    }

    /** The collected body once more, for sending the request again; {@code null} when none was collected. */
    LastHttpContent bodyToResend() {
        return signedBody == null ? null : new DefaultLastHttpContent(signedBody.retainedDuplicate());
    }

    /** Whether the body is at hand for sending the request again. */
    boolean holdsBody() {
        return signedBody != null;
    }

    /** Whether an origin's 401 may still be answered with one refresh and one replay. */
    boolean mayRefreshAfterRejection() {
        return !refreshed;
    }

    /** The origin refused the credentials: one forced refresh of the lease. */
    CompletableFuture<InjectionPlan> refreshAfterRejection() {
        refreshed = true;
        return injector.replanAfterRejection(plan);
    }

    /** Replaces the refused credentials on the head with the refreshed plan's. */
    void adoptRefreshed(InjectionPlan planned) {
        plan = planned;
        outbound.setUri(target.pathAndQuery()); // back to the agent's {field} templates, rendered anew below
        OutboundRequest request = outboundRequest();
        plan.strip(request);
        plan.apply(request);
    }

    /** The audit event for a request that reached the origin with these credentials. */
    AuditEvent.Builder deliveredEvent(int upstreamStatus) {
        return AuditEvent.builder(refreshed ? AuditOutcome.REFRESHED : AuditOutcome.INJECTED)
                .injection(plan, System.currentTimeMillis()).upstreamStatus(upstreamStatus);
    }

    void release() {
        if (signedBody != null) {
            signedBody.release();
            signedBody = null;
        }
    }

    private OutboundRequest outboundRequest() {
        return new OutboundRequest(target.scheme(), target.host(), target.port(), outbound, signedBody, Instant.now());
    }
}
