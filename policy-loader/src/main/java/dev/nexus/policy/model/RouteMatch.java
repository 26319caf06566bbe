package dev.nexus.policy.model;

import java.util.List;

/**
 * A route's {@code match} block as written. An empty list means the field was absent:
 * ports then default to the scheme's port, schemes/methods/paths match anything, agents match {@code *}.
 *
 * @param pathsIgnoreCase {@code match.paths_ignore_case}: paths match whatever their letter case, for origins
 *                        that treat {@code /Admin} as {@code /admin}
 */
public record RouteMatch(List<String> hosts, List<Integer> ports, List<String> schemes, List<String> methods,
                         List<String> paths, List<String> agents, boolean pathsIgnoreCase) {

    public RouteMatch {
        hosts = List.copyOf(hosts);
        ports = List.copyOf(ports);
        schemes = List.copyOf(schemes);
        methods = List.copyOf(methods);
        paths = List.copyOf(paths);
        agents = List.copyOf(agents);
    }
}
