package dev.nexus.proxy.credentials.oauth2;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One token request (RFC 6749 §4.4.2 and §6): the {@code application/x-www-form-urlencoded} body with the
 * grant, scopes, {@code audience} and RFC 8707 {@code resource} indicators, and the client authentication
 * of §2.3.1. Holds the secrets it was built from so that error text from the server can be scrubbed of them.
 */
final class TokenRequest {

    private final OAuth2Connection connection;
    private final String clientSecret;
    private final String refreshToken;

    /**
     * @param clientSecret the secret read for this request, or {@code null} for a public client
     * @param refreshToken the current refresh token for the refresh-token grant, else {@code null}
     */
    TokenRequest(OAuth2Connection connection, String clientSecret, String refreshToken) {
        this.connection = connection;
        this.clientSecret = clientSecret;
        this.refreshToken = refreshToken;
    }

    String refreshToken() {
        return refreshToken;
    }

    HttpRequest.Builder http() {
        HttpRequest.Builder request = HttpRequest.newBuilder(connection.tokenUrl())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(), StandardCharsets.UTF_8));
        if (clientSecret != null && connection.authentication() == ClientAuthentication.CLIENT_SECRET_BASIC) {
            // §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
            String pair = encode(connection.clientId()) + ":" + encode(clientSecret);
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    String body() {
        List<String> fields = new ArrayList<>();
        add(fields, "grant_type", connection.grant().wireName());
        if (refreshToken != null) {
            add(fields, "refresh_token", refreshToken);
        }
        if (!connection.scopes().isEmpty()) {
            add(fields, "scope", String.join(" ", connection.scopes()));
        }
        if (connection.audience() != null) {
            add(fields, "audience", connection.audience());
        }
        for (URI resource : connection.resources()) {
            add(fields, "resource", resource.toString());
        }
        if (clientSecret == null || connection.authentication() == ClientAuthentication.CLIENT_SECRET_POST) {
            // A public client (§2.3.1 does not apply) still names itself; client_secret_post sends both.
            add(fields, "client_id", connection.clientId());
        }
        if (clientSecret != null && connection.authentication() == ClientAuthentication.CLIENT_SECRET_POST) {
            add(fields, "client_secret", clientSecret);
        }
        return String.join("&", fields);
    }

    /** {@code text} with every secret of this request replaced by {@code ****}, for messages built from server answers. */
    String scrub(String text) {
        String scrubbed = text;
        for (String secret : new String[]{clientSecret, refreshToken, clientSecret == null ? null : encode(clientSecret)}) {
            if (secret != null && !secret.isEmpty()) {
                scrubbed = scrubbed.replace(secret, "****");
            }
        }
        return scrubbed;
    }

    private static void add(List<String> fields, String name, String value) {
        fields.add(encode(name) + "=" + encode(value));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
