package dev.nexus.proxy.decision;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.policy.pattern.PathAmbiguity;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.AgentProtocol;
import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.proxy.exchange.GrpcRequests;
import dev.nexus.proxy.exchange.RequestTarget;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.redact.ResponseRedaction;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.services.ProxyServices;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Locale;

/**
 * The decide stage, first after a request head is read and its agent identified: who the agent is,
 * what the policy says, which connection an on-behalf-of route uses, and whether this build can serve
 * the result. Returns a {@link RouteOutcome}. It owns the per-agent request and denial counters and
 * the audit record of every refusal; it touches no channel, so it is tested without one.
 */
public final class RouteDecision {

    private final ProxyServices services;

    public RouteDecision(ProxyServices services) {
        this.services = services;
    }

    /**
     * The request head as the decision sees it; on a forwarded request {@code headers} lose the
     * connection-selection header and every {@code X-Nexus-*} header. {@code protocol} is how the agent spoke.
     */
    public record Head(String method, RequestTarget target, boolean connect, HttpHeaders headers,
                       AgentProtocol protocol) {

        String scheme() {
            return connect ? "https" : target.scheme();
        }

        /** The path the policy and audit see: none for CONNECT or an authority-form target. */
        String path() {
            return connect || target.pathAndQuery() == null ? null : target.path();
        }
    }

    /** Decides for a request whose identity check ended with {@code resolution}. */
    public RouteOutcome decide(IdentityResolver.Resolution resolution, Head head) {
        if (resolution instanceof IdentityResolver.Identified identified) {
            return decide(identified.identity(), head);
        }
        if (resolution instanceof IdentityResolver.Busy) {
            return new RouteOutcome.Refuse(ErrorCode.IDENTITY_BUSY,
                    "agent credentials cannot be checked right now; retry shortly", null);
        }
        AgentMetrics.Denial denial;
        RouteOutcome.Refuse refusal;
        if (resolution instanceof IdentityResolver.ProxyAuthRequired required) {
            denial = AgentMetrics.Denial.PROXY_AUTH;
            refusal = new RouteOutcome.Refuse(ErrorCode.PROXY_AUTHENTICATION_REQUIRED, null, null);
            audit(AuditEvent.builder(AuditOutcome.PROXY_AUTH_REQUIRED)
                    .reason(required.reason().name().toLowerCase(Locale.ROOT)), head, null);
        } else {
            denial = AgentMetrics.Denial.UNIDENTIFIED;
            refusal = new RouteOutcome.Refuse(ErrorCode.UNKNOWN_AGENT, "no configured identity method names this agent",
                    null);
            audit(AuditEvent.builder(AuditOutcome.UNIDENTIFIED), head, null);
        }
        services.agents().metrics().denied(services.agents().labels().label(null), null, denial);
        return refusal;
    }

    /** Decides for a known agent ({@code null} when identity is not enforced). */
    public RouteOutcome decide(AgentIdentity agent, Head head) {
        RequestTarget target = head.target();
        Decision decision = services.policy().decide(new PolicyRequest(agent == null ? "" : agent.name(),
                head.scheme(), target.host(), target.port(), head.method(), head.path()));
        String agentLabel = services.agents().labels().label(agent);
        AgentMetrics metrics = services.agents().metrics();
        metrics.requested(agentLabel, decision.routeName());
        if (decision instanceof Decision.Deny deny) {
            metrics.denied(agentLabel, deny.routeName(), AgentMetrics.Denial.POLICY);
            audit(AuditEvent.builder(AuditOutcome.DENIED).decision(deny), head, agent);
            String detail = deny.message() == null ? deny.reason() : deny.reason() + ": " + deny.message();
            // The policy denies paths no canonical form can stand for: that is the agent's malformed request.
            boolean ambiguous = head.path() != null && PathAmbiguity.reason(head.path()) != null;
            return new RouteOutcome.Refuse(ambiguous ? ErrorCode.AMBIGUOUS_PATH : ErrorCode.DENIED, detail, deny);
        }
        Decision.Destined destined = (Decision.Destined) decision;
        if (destined instanceof Decision.Inject inject && !head.connect()) {
            ConnectionSelection.Result selection = ConnectionSelection.select(inject, head.headers());
            if (selection instanceof ConnectionSelection.Refused refused) {
                metrics.denied(agentLabel, inject.routeName(), AgentMetrics.Denial.CONNECTION_NOT_ALLOWED);
                audit(AuditEvent.builder(AuditOutcome.CONNECTION_NOT_ALLOWED).decision(inject), head, agent);
                return new RouteOutcome.Refuse(refused.error(), refused.detail(), inject);
            }
            destined = ((ConnectionSelection.Selected) selection).decision();
            if (ResponseRedaction.refuses(head.method())) {
                return new RouteOutcome.Refuse(ErrorCode.METHOD_NOT_ALLOWED, ResponseRedaction.refusal(inject), inject);
            }
        }
        String unavailable = unavailableFeature(destined, head.connect());
        if (unavailable != null) {
            return new RouteOutcome.Refuse(ErrorCode.NOT_IMPLEMENTED,
                    "route \"" + destined.routeName() + "\" " + unavailable, destined);
        }
        if (!head.connect()) {
            NexusControlHeaders.strip(head.headers()); // they talk to the proxy: never to the origin, on any route
            return new RouteOutcome.Forward(destined, agent);
        }
        return destined.options().interceptTls()
                ? new RouteOutcome.Intercept(destined, agent)
                : new RouteOutcome.Tunnel(destined, agent);
    }

    /** Why this build cannot serve the decision, or {@code null} when it can. */
    private String unavailableFeature(Decision.Destined decision, boolean connect) {
        if (decision instanceof Decision.Inject && services.injector() == null) {
            return "injects credentials, but no credential source is configured";
        }
        if (connect && decision.options().interceptTls() && services.interception() == null) {
            return "needs TLS interception, which is not configured";
        }
        return null;
    }

    private void audit(AuditEvent.Builder event, Head head, AgentIdentity agent) {
        RequestTarget target = head.target();
        event.agent(agent).destination(head.scheme(), target.host(), target.port()).request(head.method(), head.path())
                .protocol(head.protocol().label());
        if (GrpcRequests.isGrpc(head.headers())) {
            event.grpc(GrpcRequests.method(head.path()), -1); // refused: no status came from an origin
        }
        services.agents().audit().record(event.build());
    }
}
