package dev.nexus.proxy.credentials.nexus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;

import java.io.IOException;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Turns an Authority error answer into a {@link CredentialException} following the error table of
 * nexus-protocol.md and its revision 0.4. Only two things from an error body reach the message: an error code that looks
 * like an identifier, and the 409 {@code detail} text (meant for humans, not secret). Anything else in
 * a body is ignored, so an Authority that echoes request data cannot leak it into logs.
 */
final class AuthorityErrors {

    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_DETAIL = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuthorityErrors() {
    }

    /**
     * The failure for a non-200 answer. Decided by the body's error code first and by the status only when
     * the code says nothing (protocol 0.4: a 409 is not always attention, and a 400 may be a revocation).
     *
     * @param retryAfter the answer's {@code Retry-After} header, or {@code null}
     * @param now        the time a delta {@code Retry-After} counts from
     */
    static CredentialException fromStatus(int status, byte[] body, String retryAfter, String connectionId,
                                          String apiKeyHeader, Instant now) {
        JsonNode envelope = readQuietly(body);
        String code = code(envelope);
        if ("attention_required".equals(code)) {
            return new CredentialException(Kind.ATTENTION_REQUIRED, connectionId,
                    "a human must re-consent to this connection" + detail(envelope));
        }
        if ("connection_revoked".equals(code) || "connection_not_active".equals(code)) {
            return new CredentialException(Kind.REVOKED, connectionId,
                    "the connection is revoked or not active (" + status + " " + code + ")");
        }
        if ("provider_ambiguous".equals(code)) {
            return new CredentialException(Kind.INVALID_CONNECTION, connectionId,
                    "the Authority cannot tell which provider this connection means (" + code + ")");
        }
        return switch (status) {
            case 400 -> new CredentialException(Kind.INVALID_CONNECTION, connectionId,
                    "the Authority rejected the connection id as invalid" + suffix(code));
            case 401 -> new CredentialException(Kind.AUTHORITY_UNAUTHORIZED, connectionId,
                    "the Authority rejected the proxy's API key (sent in header " + apiKeyHeader + ")" + suffix(code));
            case 403, 410 -> new CredentialException(Kind.REVOKED, connectionId,
                    "the connection is revoked or not active (status " + status + ")" + suffix(code));
            case 404 -> new CredentialException(Kind.NOT_FOUND, connectionId,
                    "the Authority does not know this connection" + suffix(code));
            case 409 -> envelope == null
                    ? new CredentialException(Kind.REFUSED, connectionId, "the Authority answered 409 without an error code")
                    : new CredentialException(Kind.INVALID_CONNECTION, connectionId,
                    "the Authority reports a conflict for this connection" + suffix(code));
            case 429 -> CredentialException.rateLimited(connectionId, RetryAfter.parse(retryAfter, now),
                    "the Authority's rate limit was reached" + suffix(code));
            default -> status >= 400 && status < 500
                    ? new CredentialException(Kind.REFUSED, connectionId, "the Authority refused the call with status "
                    + status + suffix(code))
                    : new CredentialException(Kind.UNAVAILABLE, connectionId,
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
