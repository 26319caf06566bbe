package dev.nexus.proxy.decision;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.exchange.ErrorCode;

/**
 * What the data plane does with one request or CONNECT, as {@link RouteDecision} decided it. Ingress
 * switches on the four cases; nothing downstream asks the policy again or narrows a decision by cast.
 */
public sealed interface RouteOutcome {

    /**
     * Answer {@code error} locally; nothing goes upstream.
     *
     * @param decision the policy decision behind the refusal, or {@code null} when it came before the policy
     */
    record Refuse(ErrorCode error, String detail, Decision decision) implements RouteOutcome {

        /** The access log's {@code decision} field: {@code deny} for policy denials, else {@code error}. */
        public String decisionLabel() {
            return decision instanceof Decision.Deny ? "deny" : "error";
        }
    }

    /** Forward the request (absolute-form, or decrypted inside an intercepted tunnel) to its origin. */
    record Forward(Decision.Destined decision, AgentIdentity agent) implements RouteOutcome {
    }

    /** Answer the CONNECT and relay its bytes untouched. */
    record Tunnel(Decision.Destined decision, AgentIdentity agent) implements RouteOutcome {
    }

    /** Answer the CONNECT and terminate the agent's TLS with a leaf of the proxy's CA. */
    record Intercept(Decision.Destined decision, AgentIdentity agent) implements RouteOutcome {
    }
}
