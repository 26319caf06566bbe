package dev.nexus.server.admin;

import java.util.List;
import java.util.Map;

/**
 * An admin request as a route sees it: already authorised, with path parameters extracted from the
 * route's pattern (e.g. {@code id} for {@code /admin/connections/{id}/invalidate}). Carries no
 * headers, so the admin token never reaches a route.
 *
 * @param accept the request's {@code Accept} header, or {@code null} (content negotiation)
 */
public record AdminRequest(String method, String path, Map<String, String> pathParameters,
                           Map<String, List<String>> queryParameters, String accept) {

    public AdminRequest {
        pathParameters = Map.copyOf(pathParameters);
        queryParameters = Map.copyOf(queryParameters);
    }

    /** The named path parameter; routes only ask for names their pattern declares. */
    public String pathParameter(String name) {
        String value = pathParameters.get(name);
        if (value == null) {
            throw new IllegalArgumentException("route pattern declares no {" + name + "}");
        }
        return value;
    }
}
