package dev.nexus.policy.model;

import java.util.List;

/**
 * A route's {@code match} block as written. An empty list means the field was absent:
 * ports then default to the scheme's port, schemes/methods/paths match anything, agents match {@code *}.
 */
public record RouteMatch(List<String> hosts, List<Integer> ports, List<String> schemes, List<String> methods,
                         List<String> paths, List<String> agents) {

    public RouteMatch {
        hosts = List.copyOf(hosts);
        ports = List.copyOf(ports);
        schemes = List.copyOf(schemes);
        methods = List.copyOf(methods);
        paths = List.copyOf(paths);
        agents = List.copyOf(agents);
    }
}
