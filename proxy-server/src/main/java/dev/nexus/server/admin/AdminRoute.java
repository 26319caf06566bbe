package dev.nexus.server.admin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One admin endpoint: a method, a path pattern whose segments are literals or {@code {name}}
 * parameters (e.g. {@code /admin/connections/{id}/invalidate}), whether it needs the admin token,
 * and its handler.
 */
public record AdminRoute(String method, String pattern, boolean requiresToken, AdminHandler handler) {

    public AdminRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("admin route pattern must start with '/': " + pattern);
        }
    }

    /** A token-protected GET route answering synchronously. */
    public static AdminRoute get(String pattern, Function<AdminRequest, AdminResponse> handler) {
        return new AdminRoute("GET", pattern, true, request -> CompletableFuture.completedFuture(handler.apply(request)));
    }

    /** A token-protected POST route. */
    public static AdminRoute post(String pattern, AdminHandler handler) {
        return new AdminRoute("POST", pattern, true, handler);
    }

    /** The same route without the token requirement (only for probes such as /healthz). */
    public AdminRoute open() {
        return new AdminRoute(method, pattern, false, handler);
    }

    /** The path parameters if {@code path} matches the pattern, else {@code null}. */
    Map<String, String> match(List<String> pathSegments) {
        List<String> patternSegments = segments(pattern);
        if (patternSegments.size() != pathSegments.size()) {
            return null;
        }
        Map<String, String> parameters = new HashMap<>();
        for (int i = 0; i < patternSegments.size(); i++) {
            String expected = patternSegments.get(i);
            String actual = pathSegments.get(i);
            if (expected.startsWith("{") && expected.endsWith("}")) {
                if (actual.isEmpty()) {
                    return null;
                }
                parameters.put(expected.substring(1, expected.length() - 1), actual);
            } else if (!expected.equals(actual)) {
                return null;
            }
        }
        return parameters;
    }

    static List<String> segments(String path) {
        return List.of(path.substring(1).split("/", -1));
    }
}
