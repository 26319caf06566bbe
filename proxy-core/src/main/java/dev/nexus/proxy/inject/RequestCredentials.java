package dev.nexus.proxy.inject;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.strategy.MalformedBodyException;
import dev.nexus.proxy.strategy.OutboundRequest;
import dev.nexus.proxy.strategy.StreamingBodySigner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The plan and apply stages of one request on an {@code inject} route: one trip to the credentials for an
 * immutable {@link InjectionPlan} (lease and strategy), the agent's own credentials stripped from the
 * outbound head, the body collected when the strategy signs it (or streamed through the strategy's
 * {@link StreamingBodySigner}), the credentials applied as the last change, and at most one refresh after
 * the origin answers 401. It owns the collected body; the exchange
 * that drives it owns flow control and the connections.
 */
public final class RequestCredentials {

    private final CredentialInjector injector;
    private final Decision.Inject decision;
    private final RequestTarget target;
    private final HttpRequest outbound;
    private InjectionPlan plan;
    private CompositeByteBuf signedBody;
    /** Set when the body streams through the strategy (aws-chunked uploads); owned and released here. */
    private StreamingBodySigner bodySigner;
    private boolean refreshed;

    /**
     * @param outbound the head as the origin will receive it; strategies change it in place
     */
    public RequestCredentials(CredentialInjector injector, Decision.Inject decision, RequestTarget target,
                              HttpRequest outbound) {
        this.injector = injector;
        this.decision = decision;
        this.target = target;
        this.outbound = outbound;
    }

    /** The plan for this request; completes on any thread, failures are CredentialException or StrategyException. */
    public CompletableFuture<InjectionPlan> plan() {
        return injector.plan(decision);
    }

    /** The plan whose credentials the request carries now, or {@code null} before one was adopted. */
    public InjectionPlan adopted() {
        return plan;
    }

    /**
     * Takes the plan and strips what the agent sent. Credentials are applied at once unless the strategy
     * signs a body the request has: then it must first be {@linkplain #collect collected} and
     * {@linkplain #sign signed}.
     *
     * @return whether the body must be collected before the request can be sent
     */
    public boolean adopt(InjectionPlan planned, boolean requestHasBody, ByteBufAllocator alloc) {
        plan = planned;
        OutboundRequest request = outboundRequest();
        plan.strip(request);
        if (plan.needsBody(request) && requestHasBody) {
            signedBody = alloc.compositeBuffer(Integer.MAX_VALUE);
            return true;
        }
        applyTo(request);
        return false;
    }

    /** Applies the plan as the last change; keeps the body signer the strategy left, if any. */
    private void applyTo(OutboundRequest request) {
        plan.apply(request);
        releaseBodySigner();
        bodySigner = request.streamingBodySigner();
    }

    /** Whether the body streams through the strategy on its way (and so cannot be replayed from a copy). */
    public boolean signsWhileStreaming() {
        return bodySigner != null;
    }

    /**
     * A piece of the body on its way upstream, passed through the strategy's {@link StreamingBodySigner}
     * when it has one (aws-chunked uploads), else unchanged. Takes over {@code content}.
     *
     * @throws MalformedBodyException when the body breaks its framing: forward nothing more
     */
    public HttpContent streamBody(HttpContent content) {
        if (bodySigner == null) {
            return content;
        }
        HttpHeaders trailers = content instanceof LastHttpContent last ? last.trailingHeaders() : null;
        ByteBuf signed;
        try {
            signed = bodySigner.feed(content.content().retain());
        } finally {
            content.release();
        }
        if (trailers == null) {
            return new DefaultHttpContent(signed);
        }
        try {
            return new DefaultLastHttpContent(Unpooled.wrappedBuffer(signed, bodySigner.end()), trailers);
        } catch (MalformedBodyException e) {
            signed.release();
            throw e;
        }
    }

    /**
     * Keeps a piece of the body to be signed, taking over {@code content}.
     *
     * @return {@code false} (content released, nothing kept) when the body would exceed the route's limit
     */
    public boolean collect(HttpContent content) {
        if (signedBody.readableBytes() + (long) content.content().readableBytes() > maxBodyBytes()) {
            content.release();
            return false;
        }
        signedBody.addComponent(true, content.content().retain());
        content.release();
        return true;
    }

    public String routeName() {
        return decision.routeName();
    }

    /** The most a signed body may hold on this route. */
    public long maxBodyBytes() {
        return decision.options().maxBodyBytes();
    }

    /**
     * Applies the credentials over the collected body. The head then declares the body's exact length.
     *
     * @return the body to send, as the request's only content
     */
    public LastHttpContent sign() {
        plan.apply(outboundRequest());
        outbound.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        HttpUtil.setContentLength(outbound, signedBody.readableBytes());
        return signedBodyToResend();
    }

    /** The signed body once more, for sending the request again; {@code null} when none was collected. */
    public LastHttpContent signedBodyToResend() {
        return signedBody == null ? null : new DefaultLastHttpContent(signedBody.retainedDuplicate());
    }

    /** Whether a signed body is at hand for sending the request again. */
    public boolean holdsSignedBody() {
        return signedBody != null;
    }

    /** Whether an origin's 401 may still be answered with one refresh. */
    public boolean mayRefreshAfterRejection() {
        return !refreshed;
    }

    /** The origin refused the credentials: one forced refresh of the lease. */
    public CompletableFuture<InjectionPlan> refreshAfterRejection() {
        refreshed = true;
        return injector.replanAfterRejection(plan);
    }

    /** Replaces the refused credentials on the head with the refreshed plan's. */
    public void adoptRefreshed(InjectionPlan planned) {
        plan = planned;
        outbound.setUri(target.pathAndQuery()); // back to the agent's {field} templates, rendered anew with the new lease
        OutboundRequest request = outboundRequest();
        plan.strip(request);
        applyTo(request);
    }

    /** The audit event for a request that reached the origin with these credentials. */
    public AuditEvent.Builder deliveredEvent(int upstreamStatus) {
        return plan.describe(AuditEvent.builder(refreshed ? AuditOutcome.REFRESHED : AuditOutcome.INJECTED),
                System.currentTimeMillis()).upstreamStatus(upstreamStatus);
    }

    /** The audit event for credentials that could not be had or applied. */
    public AuditEvent.Builder failedEvent(Throwable failure) {
        return AuditEvent.builder(InjectionFailures.auditOutcome(failure)).decision(decision);
    }

    /** What the agent is told when credentials could not be had or applied. */
    public InjectionFailures.AgentError describeFailure(Throwable failure) {
        return InjectionFailures.describe(failure, decision);
    }

    /** What the agent is told when the origin refused the credentials and the refresh failed too. */
    public InjectionFailures.AgentError describeFailedRefresh(Throwable failure) {
        return InjectionFailures.refusedAfterRefreshFailed(failure, decision);
    }

    public void release() {
        releaseBodySigner();
        if (signedBody != null) {
            signedBody.release();
            signedBody = null;
        }
    }

    private void releaseBodySigner() {
        if (bodySigner != null) {
            bodySigner.release();
            bodySigner = null;
        }
    }

    private OutboundRequest outboundRequest() {
        return new OutboundRequest(target.scheme(), target.host(), target.port(), outbound, signedBody, Instant.now());
    }
}
