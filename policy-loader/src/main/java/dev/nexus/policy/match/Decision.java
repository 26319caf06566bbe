package dev.nexus.policy.match;

import dev.nexus.policy.model.StrategySpec;

import java.net.InetAddress;
import java.util.function.Predicate;

/**
 * The policy's answer for one request: a value, not a side effect. Every decision names the
 * route that produced it ({@code null} when none matched and the default applied) and a
 * human-readable reason that is safe to show to the agent and to log.
 */
public sealed interface Decision permits Decision.Destined, Decision.Deny {

    /** The matching route's name, or {@code null} when the policy default applied. */
    String routeName();

    /** Why, in words: e.g. {@code route "github" matched host api.github.com} or {@code no route matched, default deny}. */
    String reason();

    /** Forward or tunnel without credentials. */
    record Allow(String routeName, String reason, RouteOptions options, Predicate<InetAddress> addressPermitted)
            implements Destined {
    }

    /**
     * Forward with credentials of {@code connectionId} applied.
     *
     * @param connectionId      the route's connection; {@code null} when the route only offers choices and the
     *                          agent must name one (see {@code ConnectionSelection} in the proxy)
     * @param strategyOverride  the route's strategy, replacing the Authority's; {@code null} to use the Authority's
     * @param connectionChoices connections the agent may select per request; {@link ConnectionChoices#NONE} for none
     */
    record Inject(String routeName, String reason, RouteOptions options, Predicate<InetAddress> addressPermitted,
                  String connectionId, StrategySpec strategyOverride, ConnectionChoices connectionChoices)
            implements Destined {

        public Inject {
            java.util.Objects.requireNonNull(connectionChoices, "connectionChoices");
        }

        /** A route with a fixed connection that offers the agent no choice. */
        public Inject(String routeName, String reason, RouteOptions options, Predicate<InetAddress> addressPermitted,
                      String connectionId, StrategySpec strategyOverride) {
            this(routeName, reason, options, addressPermitted, connectionId, strategyOverride, ConnectionChoices.NONE);
        }

        /** This decision with {@code selected} as the connection, as chosen by the agent. */
        public Inject withConnection(String selected) {
            return new Inject(routeName, reason, options, addressPermitted, selected, strategyOverride, connectionChoices);
        }
    }

    /** Refuse; {@code message} is the route's optional text for the agent, or {@code null}. */
    record Deny(String routeName, String reason, String message) implements Decision {
    }

    /** A decision that lets the request reach a destination. */
    sealed interface Destined extends Decision permits Allow, Inject {
        RouteOptions options();

        /**
         * Whether the resolved address may be connected to. Routes that name hostnames never reach
         * loopback, link-local, private or unique-local addresses unless the route lists a CIDR
         * containing the address (DNS rebinding defence: resolve once, check, connect to that address).
         */
        Predicate<InetAddress> addressPermitted();

        default boolean mayConnectTo(InetAddress address) {
            return addressPermitted().test(address);
        }
    }
}
