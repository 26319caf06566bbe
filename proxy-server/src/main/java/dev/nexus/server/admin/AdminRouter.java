package dev.nexus.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The admin endpoints, in registration order. Components add their routes at startup
 * ({@code router.add(AdminRoute.get("/admin/connections", ...))}); the first route whose pattern and
 * method match answers.
 */
public final class AdminRouter {

    private final List<AdminRoute> routes = new CopyOnWriteArrayList<>();

    public AdminRouter add(AdminRoute route) {
        for (AdminRoute existing : routes) {
            if (existing.method().equals(route.method()) && existing.pattern().equals(route.pattern())) {
                throw new IllegalArgumentException("admin route already registered: " + route.method() + " " + route.pattern());
            }
        }
        routes.add(route);
        return this;
    }

    /** What the router knows about a path: the matching route for the method, or the methods that would match. */
    Lookup lookup(String method, String path) {
        List<String> segments = AdminRoute.segments(path);
        List<String> otherMethods = new ArrayList<>();
        boolean otherRoutesNeedToken = false;
        for (AdminRoute route : routes) {
            Map<String, String> parameters = route.match(segments);
            if (parameters == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Lookup(route, parameters, List.of(), route.requiresToken());
            }
            otherMethods.add(route.method());
            otherRoutesNeedToken |= route.requiresToken();
        }
        // Unknown paths need the token too, so an unauthenticated caller cannot probe which paths exist.
        return new Lookup(null, Map.of(), otherMethods, otherMethods.isEmpty() || otherRoutesNeedToken);
    }

    /**
     * @param route          the route to run, or {@code null}
     * @param allowedMethods when {@code route} is null: methods the path supports (empty = unknown path)
     * @param requiresToken  whether answering (even with 404/405) needs the admin token
     */
    record Lookup(AdminRoute route, Map<String, String> parameters, List<String> allowedMethods, boolean requiresToken) {
    }
}
