package dev.nexus.proxy.credentials.nexus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;

import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Turns an Authority error answer into a {@link CredentialException} following the error table of
 * nexus-protocol.md. Only two things from an error body reach the message: an error code that looks
 * like an identifier, and the 409 {@code detail} text (meant for humans, not secret). Anything else in
 * a body is ignored, so an Authority that echoes request data cannot leak it into logs.
 */
final class AuthorityErrors {

    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_DETAIL = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuthorityErrors() {
    }

    static CredentialException fromStatus(int status, byte[] body, String connectionId, String apiKeyHeader) {
        JsonNode envelope = readQuietly(body);
        String code = code(envelope);
        return switch (status) {
            case 400 -> new CredentialException(Kind.INVALID_CONNECTION, connectionId,
                    "the Authority rejected the connection id as invalid" + suffix(code));
            case 401 -> new CredentialException(Kind.AUTHORITY_UNAUTHORIZED, connectionId,
                    "the Authority rejected the proxy's API key (sent in header " + apiKeyHeader + ")" + suffix(code));
            case 403 -> new CredentialException(Kind.REVOKED, connectionId,
                    "the connection is revoked or not active" + suffix(code));
            case 404 -> new CredentialException(Kind.NOT_FOUND, connectionId,
                    "the Authority does not know this connection" + suffix(code));
            case 409 -> new CredentialException(Kind.ATTENTION_REQUIRED, connectionId,
                    "a human must re-consent to this connection" + detail(envelope));
            default -> new CredentialException(Kind.UNAVAILABLE, connectionId,
                    (status >= 500 ? "the Authority answered " : "the Authority answered unexpected status ")
                            + status + suffix(code));
        };
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

    private static String code(JsonNode envelope) {
        if (envelope == null) {
            return null;
        }
        for (String field : new String[]{"code", "error"}) {
            JsonNode value = envelope.get(field);
            if (value != null && value.isTextual() && CODE.matcher(value.asText()).matches()) {
                return value.asText();
            }
        }
        return null;
    }

    private static String suffix(String code) {
        return code == null ? "" : " (" + code + ")";
    }

    /** The 409 body's human-readable detail, single line and bounded. */
    private static String detail(JsonNode envelope) {
        JsonNode detail = envelope == null ? null : envelope.get("detail");
        if (detail == null || !detail.isTextual() || detail.asText().isBlank()) {
            return "";
        }
        String text = detail.asText().replaceAll("\\p{Cntrl}+", " ").strip();
        return ": " + (text.length() > MAX_DETAIL ? text.substring(0, MAX_DETAIL) + "..." : text);
    }
}
