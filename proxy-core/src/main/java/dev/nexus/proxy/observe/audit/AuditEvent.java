package dev.nexus.proxy.observe.audit;

import dev.nexus.policy.match.Decision;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.observe.LoggedPaths;

import java.util.Objects;

/**
 * One audit record: who (agent), under which rule (route, action), with which credentials
 * (connection id, strategy type, lease age), where (scheme, host, port, method, path) and what came of
 * it. Holds no secret by construction: there is no field for a credential, a header or a query, and
 * {@link #path} is cut at the first {@code ?} or {@code #} whatever the caller passes.
 *
 * @param timeMillis      when the decision was made (epoch milliseconds)
 * @param agent           the identity, or {@code null} when none was established
 * @param route           the policy route, or {@code null} for the policy default or before policy ran
 * @param action          {@code inject}, {@code allow} or {@code deny}, or {@code null}
 * @param connection      the connection id used or asked for, or {@code null}
 * @param method          HTTP method ({@code CONNECT} for tunnels)
 * @param path            the path without query; {@code null} for CONNECT
 * @param upstreamStatus  the origin's status, or -1 when no response came from an origin
 * @param strategy        strategy type wire name ({@code header}, {@code aws_sigv4}, ...), or {@code null}
 * @param leaseAgeMillis  how old the lease was when used, or -1 when no lease was used
 * @param reason          a short safe code explaining the outcome (e.g. {@code wrong_secret}), or {@code null}
 * @param redactions      how many occurrences of the secret were overwritten in the response, or -1 when not counted
 * @param protocol        how the agent spoke to the proxy ({@code h1}, {@code h2}, {@code h2c}), or {@code null}
 * @param grpcMethod      a gRPC call's method ({@code /package.Service/Method}), or {@code null}
 * @param grpcStatus      a gRPC call's final grpc-status, or -1 when none (no gRPC call, or none arrived)
 */
public record AuditEvent(long timeMillis, AgentIdentity agent, String route, String action, String connection,
                         String scheme, String host, int port, String method, String path, int upstreamStatus,
                         String strategy, long leaseAgeMillis, AuditOutcome outcome, String reason,
                         long redactions, String protocol, String grpcMethod, int grpcStatus) {

    public AuditEvent {
        Objects.requireNonNull(outcome, "outcome");
        path = LoggedPaths.withoutQuery(path);
    }

    /** Starts an event for {@code outcome} at the current time; every other field starts empty. */
    public static Builder builder(AuditOutcome outcome) {
        return new Builder(outcome);
    }

    /** Fills an {@link AuditEvent} field by field, for call sites that know only some of them. */
    public static final class Builder {
        private final AuditOutcome outcome;
        private long timeMillis = System.currentTimeMillis();
        private AgentIdentity agent;
        private String route;
        private String action;
        private String connection;
        private String scheme;
        private String host;
        private int port = -1;
        private String method;
        private String path;
        private int upstreamStatus = -1;
        private String strategy;
        private long leaseAgeMillis = -1;
        private String reason;
        private long redactions = -1;
        private String protocol;
        private String grpcMethod;
        private int grpcStatus = -1;

        private Builder(AuditOutcome outcome) {
            this.outcome = Objects.requireNonNull(outcome, "outcome");
        }

        public Builder time(long epochMillis) {
            this.timeMillis = epochMillis;
            return this;
        }

        public Builder agent(AgentIdentity value) {
            this.agent = value;
            return this;
        }

        /** Route name and its action ({@code inject}, {@code allow}, {@code deny}). */
        public Builder route(String name, String routeAction) {
            this.route = name;
            this.action = routeAction;
            return this;
        }

        /**
         * Route, action and (for inject) connection from a policy decision; {@code route} stays
         * {@code null} when the policy default decided.
         */
        public Builder decision(Decision decision) {
            this.route = decision.routeName();
            if (decision instanceof Decision.Inject inject) {
                this.action = "inject";
                this.connection = inject.connectionId();
            } else {
                this.action = decision instanceof Decision.Allow ? "allow" : "deny";
            }
            return this;
        }

        public Builder connection(String id) {
            this.connection = id;
            return this;
        }

        public Builder destination(String destinationScheme, String destinationHost, int destinationPort) {
            this.scheme = destinationScheme;
            this.host = destinationHost;
            this.port = destinationPort;
            return this;
        }

        /** The request line; a query in {@code requestPath} is dropped. */
        public Builder request(String requestMethod, String requestPath) {
            this.method = requestMethod;
            this.path = requestPath;
            return this;
        }

        public Builder upstreamStatus(int status) {
            this.upstreamStatus = status;
            return this;
        }

        public Builder strategy(String type) {
            this.strategy = type;
            return this;
        }

        public Builder leaseAgeMillis(long age) {
            this.leaseAgeMillis = age;
            return this;
        }

        public Builder reason(String code) {
            this.reason = code;
            return this;
        }

        /** How many occurrences of the secret were overwritten (never the secret itself). */
        public Builder redactions(long count) {
            this.redactions = count;
            return this;
        }

        /** {@code h1}, {@code h2} or {@code h2c}. */
        public Builder protocol(String label) {
            this.protocol = label;
            return this;
        }

        /** A gRPC call's method ({@code null} when its path did not look like one) and final status (-1: none). */
        public Builder grpc(String callMethod, int status) {
            this.grpcMethod = callMethod;
            this.grpcStatus = status;
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(timeMillis, agent, route, action, connection, scheme, host, port, method, path,
                    upstreamStatus, strategy, leaseAgeMillis, outcome, reason, redactions, protocol, grpcMethod,
                    grpcStatus);
        }
    }
}
