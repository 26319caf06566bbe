package dev.nexus.policy.model;

import java.util.List;

/**
 * A whole policy as written: one file, or the files of a directory merged in name order.
 *
 * @param files    the files it came from, in load order
 * @param defaults the {@code defaults} block, or {@link DefaultPolicy#DENY}
 * @param routes   every route in document order (file by file)
 */
public record PolicyDocument(List<String> files, DefaultPolicy defaults, List<Route> routes) {

    public PolicyDocument {
        files = List.copyOf(files);
        routes = List.copyOf(routes);
    }
}
