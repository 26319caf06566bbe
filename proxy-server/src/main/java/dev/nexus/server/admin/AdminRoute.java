package dev.nexus.server.admin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One admin endpoint: a method, a path pattern whose segments are literals or {@code {name}}
 * parameters (e.g. {@code /admin/connections/{id}/invalidate}), who may call it, and its handler.
 */
public record AdminRoute(String method, String pattern, Access access, AdminHandler handler) {

    /** Who may call a route. */
    public enum Access {
        /** Only with the admin token: everything that reads or changes connection state. */
        TOKEN,
        /** Callers on loopback without the token, others with it (metrics: a sidecar's own scrapes). */
        LOOPBACK_OR_TOKEN,
        /** Anyone (the kubelet's probes carry no token). */
        OPEN
    }

    public AdminRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(handler, "handler");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("admin route pattern must start with '/': " + pattern);
        }
    }

    /** A token-protected GET route answering synchronously. */
    public static AdminRoute get(String pattern, Function<AdminRequest, AdminResponse> handler) {
        return new AdminRoute("GET", pattern, Access.TOKEN, request -> CompletableFuture.completedFuture(handler.apply(request)));
    }

    /** A token-protected POST route. */
    public static AdminRoute post(String pattern, AdminHandler handler) {
        return new AdminRoute("POST", pattern, Access.TOKEN, handler);
    }

    /** The same route without the token requirement (only for probes such as /healthz). */
    public AdminRoute open() {
        return new AdminRoute(method, pattern, Access.OPEN, handler);
    }

    /** The same route open to loopback callers, token-protected for everyone else. */
    public AdminRoute openOnLoopback() {
        return new AdminRoute(method, pattern, Access.LOOPBACK_OR_TOKEN, handler);
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
