package dev.nexus.policy.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One route as written in a policy file. Values are kept as written (validated and compiled
 * later); {@code locations} maps a field path relative to the route ({@code name},
 * {@code match.hosts[0]}, {@code strategy.config}) to where it was written, so every later
 * error can point at the exact place.
 *
 * @param index               position in its file's {@code routes} list, used in field paths
 * @param interceptTls        as written, or {@code null} for the action's default
 * @param timeout             {@code null} for the proxy default
 * @param maxBodyBytes        {@code null} for {@link dev.nexus.policy.match.RouteOptions#DEFAULT_MAX_BODY_BYTES}
 * @param allowPrivateCidrs   restricted destination ranges this route may reach although it names hosts
 * @param connectionChoices   connection ids or patterns the agent may select per request (empty: none)
 * @param connectionHeader    the header carrying the agent's choice, or {@code null} for the default
 * @param redactResponses     as written ({@code full}, {@code headers}, {@code off}), or {@code null} for {@code full}
 * @param maxStreamLifetime   inject: longest time an exchange may stay open, or {@code null} for no limit
 * @param onCredentialExpiry  inject: {@code keep} or {@code close} as written, or {@code null} for keep
 * @param maxTunnelLifetime   allow: longest time a CONNECT tunnel may stay open, or {@code null} for no limit
 * @param replayBufferBytes   inject: largest streamed body copied for a replay after a 401, or {@code null} for
 *                            {@link dev.nexus.policy.match.RouteOptions#DEFAULT_REPLAY_BUFFER_BYTES}; 0 disables
 */
public record Route(String name, String file, int index, RouteMatch match, ActionType action, String connection,
                    StrategySpec strategy, String message, Boolean interceptTls, List<String> stripRequestHeaders,
                    Duration timeout, Long maxBodyBytes, boolean unsignedPayload, List<String> allowPrivateCidrs,
                    List<String> connectionChoices, String connectionHeader, String redactResponses,
                    Duration maxStreamLifetime, String onCredentialExpiry, Duration maxTunnelLifetime,
                    Long replayBufferBytes, SourceLocation location, Map<String, SourceLocation> locations) {

    public Route {
        stripRequestHeaders = List.copyOf(stripRequestHeaders);
        allowPrivateCidrs = List.copyOf(allowPrivateCidrs);
        connectionChoices = List.copyOf(connectionChoices);
        locations = Map.copyOf(locations);
    }

    /** The route's field path in its file, e.g. {@code routes[2]}. */
    public String path() {
        return "routes[" + index + "]";
    }

    /** The field path of {@code field} (relative to the route), e.g. {@code routes[2].match.hosts[0]}. */
    public String path(String field) {
        return path() + "." + field;
    }

    /** Where {@code field} was written; the route's own location when the field is absent. */
    public SourceLocation locationOf(String field) {
        return locations.getOrDefault(field, location);
    }
}
