package dev.nexus.proxy.credentials.oauth2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a token endpoint's answer: the access token response of RFC 6749 §5.1, or the error response of
 * §5.2 turned into a {@link CredentialException} whose kind says what the proxy does about it:
 * <ul>
 *   <li>{@code invalid_client}, {@code unauthorized_client} (and a bare 401): the proxy's client credentials are
 *       wrong, {@link Kind#AUTHORITY_UNAUTHORIZED};</li>
 *   <li>{@code invalid_grant} on the refresh-token grant: the refresh token is expired or revoked and a human must
 *       put a new one in the file, {@link Kind#ATTENTION_REQUIRED};</li>
 *   <li>{@code invalid_request}, {@code invalid_scope}, {@code unsupported_grant_type}, {@code invalid_target} and
 *       other 4xx: the connection's configuration, {@link Kind#INVALID_CONNECTION};</li>
 *   <li>5xx, 429, {@code server_error}, {@code temporarily_unavailable}, an unusable 200: {@link Kind#UNAVAILABLE},
 *       retried with backoff.</li>
 * </ul>
 * The error code (when it looks like one) and a bounded, secret-scrubbed {@code error_description} reach the
 * message; nothing else from a body does.
 */
final class TokenAnswers {

    /** An access token response. {@link #toString()} hides the tokens. */
    record Answer(String accessToken, String tokenType, Duration expiresIn, String refreshToken) {
        @Override
        public String toString() {
            return "Answer[token_type=" + tokenType + ", expires_in=" + expiresIn
                    + ", refresh_token=" + (refreshToken == null ? "absent" : "present") + "]";
        }
    }

    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Set<String> UNAVAILABLE = Set.of("server_error", "temporarily_unavailable");
    private static final Set<String> CLIENT_REJECTED = Set.of("invalid_client", "unauthorized_client");
    private static final int MAX_DESCRIPTION = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenAnswers() {
    }

    /** The access token response, or the failure it stands for. */
    static Answer read(int status, byte[] body, OAuth2Connection connection, TokenRequest request) {
        JsonNode document = readQuietly(body);
        if (status != 200) {
            throw error(status, document, connection, request);
        }
        if (document == null) {
            throw unusable(connection, "the body is not a JSON object");
        }
        String accessToken = text(document, "access_token");
        if (accessToken == null) {
            throw unusable(connection, "field 'access_token' is missing or not a string");
        }
        return new Answer(accessToken, text(document, "token_type"), expiresIn(document.get("expires_in"), connection),
                text(document, "refresh_token"));
    }

    private static CredentialException error(int status, JsonNode document, OAuth2Connection connection, TokenRequest request) {
        String code = code(document);
        String said = " answered " + status + (code == null ? "" : " " + code) + description(document, request);
        String endpoint = "the token endpoint " + shown(connection.tokenUrl());
        String id = connection.connectionId();
        if (status >= 500 || status == 429 || UNAVAILABLE.contains(code)) {
            return new CredentialException(Kind.UNAVAILABLE, id, endpoint + said);
        }
        if (CLIENT_REJECTED.contains(code) || status == 401 && code == null) {
            return new CredentialException(Kind.AUTHORITY_UNAUTHORIZED, id, endpoint + said
                    + "; check client_id and the client secret (" + connection.clientSecret() + ")");
        }
        if ("invalid_grant".equals(code) && connection.grant() == OAuth2Grant.REFRESH_TOKEN) {
            return new CredentialException(Kind.ATTENTION_REQUIRED, id, endpoint + said
                    + ": the refresh token is expired or revoked; put a new one in " + connection.refreshTokenFile());
        }
        if (status >= 400) {
            return new CredentialException(Kind.INVALID_CONNECTION, id, endpoint + said
                    + "; check the connection's grant, scopes, audience and resource");
        }
        return new CredentialException(Kind.UNAVAILABLE, id, endpoint + " answered unexpected status " + status);
    }

    private static CredentialException unusable(OAuth2Connection connection, String problem) {
        return new CredentialException(Kind.UNAVAILABLE, connection.connectionId(),
                "the token endpoint " + shown(connection.tokenUrl()) + " sent an unusable token response: " + problem);
    }

    private static Duration expiresIn(JsonNode node, OAuth2Connection connection) {
        if (node == null || node.isNull()) {
            return null;
        }
        double seconds;
        if (node.isNumber()) {
            seconds = node.asDouble();
        } else if (node.isTextual()) {
            try {
                seconds = Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                throw unusable(connection, "field 'expires_in' is not a number of seconds");
            }
        } else {
            throw unusable(connection, "field 'expires_in' is not a number of seconds");
        }
        return seconds > 0 && !Double.isInfinite(seconds) ? Duration.ofMillis((long) (seconds * 1000d)) : null;
    }

    /** The token URL as it may be shown: without its query, which could carry anything. */
    static String shown(URI url) {
        return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    private static String code(JsonNode document) {
        String code = text(document, "error");
        return code != null && CODE.matcher(code).matches() ? code : null;
    }

    private static String description(JsonNode document, TokenRequest request) {
        String text = text(document, "error_description");
        if (text == null || text.isBlank()) {
            return "";
        }
        String line = request.scrub(text.replaceAll("\\p{Cntrl}+", " ").strip());
        return " (" + (line.length() > MAX_DESCRIPTION ? line.substring(0, MAX_DESCRIPTION) + "..." : line) + ")";
    }

    private static String text(JsonNode document, String field) {
        JsonNode value = document == null ? null : document.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }

    private static JsonNode readQuietly(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }
}
