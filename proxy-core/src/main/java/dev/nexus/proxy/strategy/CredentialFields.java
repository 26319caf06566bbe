package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;

import java.util.ArrayList;
import java.util.List;

/** Reads credential fields from a lease with errors that name the field and never the value. */
final class CredentialFields {

    private CredentialFields() {
    }

    /** The values of those of {@code fields} the lease has (non-empty), in order. */
    static List<String> present(Lease lease, String... fields) {
        List<String> values = new ArrayList<>(fields.length);
        for (String field : fields) {
            String value = lease.credential(field);
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    static String require(Lease lease, StrategyType type, String field) {
        String value = lease.credential(field);
        if (value == null) {
            throw StrategyException.missingCredential(type, field);
        }
        return value;
    }

    /** Like {@link #require}, and the value must be usable inside an HTTP header value. */
    static String requireHeaderSafe(Lease lease, StrategyType type, String field) {
        String value = require(lease, type, field);
        checkHeaderSafe(type, field, value);
        return value;
    }

    /**
     * A header value built from the credential in {@code field}, without surrounding spaces or tabs:
     * RFC 9110 field values cannot start or end with them (Netty refuses such values), and a recipient
     * strips them anyway, so this is exactly what the origin would read from the reference bridge.
     */
    static String headerValue(StrategyType type, String field, String composed) {
        int start = 0;
        int end = composed.length();
        while (start < end && isBlank(composed.charAt(start))) {
            start++;
        }
        while (end > start && isBlank(composed.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            throw StrategyException.missingCredential(type, field);
        }
        String value = composed.substring(start, end);
        checkHeaderSafe(type, field, value);
        return value;
    }

    /**
     * Refuses characters that would corrupt the header or split the request (CR, LF, other controls)
     * and anything outside visible ASCII, which the HTTP/1.1 encoder cannot carry faithfully.
     */
    static void checkHeaderSafe(StrategyType type, String field, CharSequence value) {
        if (!isHeaderSafe(value)) {
            throw new StrategyException(StrategyException.Kind.INVALID_CREDENTIAL, type, field,
                    "strategy " + type.wireName() + ": credential field \"" + field
                            + "\" contains characters not allowed in an HTTP header value");
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Visible ASCII, space and tab only. */
    static boolean isHeaderSafe(CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }
}
