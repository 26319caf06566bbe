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
        AdminRoute.Access otherAccess = AdminRoute.Access.OPEN;
        for (AdminRoute route : routes) {
            Map<String, String> parameters = route.match(segments);
            if (parameters == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Lookup(route, parameters, List.of(), route.access());
            }
            otherMethods.add(route.method());
            otherAccess = route.access().compareTo(otherAccess) < 0 ? route.access() : otherAccess;
        }
        // Unknown paths need the token too, so an unauthenticated caller cannot probe which paths exist.
        return new Lookup(null, Map.of(), otherMethods, otherMethods.isEmpty() ? AdminRoute.Access.TOKEN : otherAccess);
    }

    /**
     * @param route          the route to run, or {@code null}
     * @param allowedMethods when {@code route} is null: methods the path supports (empty = unknown path)
     * @param access         who may get an answer (even 404/405): the strictest of the routes at that path
     */
    record Lookup(AdminRoute route, Map<String, String> parameters, List<String> allowedMethods, AdminRoute.Access access) {
    }
}
