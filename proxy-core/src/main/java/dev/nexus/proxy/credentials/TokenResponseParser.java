package dev.nexus.proxy.credentials;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import dev.nexus.policy.model.StrategySpec;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads every token shape the Nexus Protocol allows (see nexus-protocol.md, "Successful token response"):
 * <ul>
 *   <li>generic: {@code {"strategy": {...}, "credentials": {...}, "expires_at": ...}};</li>
 *   <li>flattened OAuth 2: {@code access_token} (and {@code token_type}) at the top level, a strategy with
 *       only a type or no strategy at all (then {@code oauth2} is implied by {@code access_token});</li>
 *   <li>expiry as {@code expires_at} (epoch seconds as number or numeric string, or RFC 3339) at the top
 *       level or inside {@code credentials}, or {@code expires_in} seconds; none at all means no expiry.</li>
 * </ul>
 * Unknown fields are ignored. Scalar credential and config values that are not strings (booleans,
 * numbers) are kept as their text; nested objects and arrays are skipped. Error messages name the
 * field, never a value, because token documents are full of secrets. Thread-safe.
 */
public final class TokenResponseParser {

    /** Above this an epoch value cannot be seconds (year 5138); it is taken as milliseconds. */
    private static final long EPOCH_MILLIS_THRESHOLD = 100_000_000_000L;
    private static final String OAUTH2 = "oauth2";
    private static final String ACCESS_TOKEN = "access_token";
    /** Fields of the flattened OAuth 2 shape copied into the credentials when the credentials object lacks them. */
    private static final String[] FLATTENED_OAUTH2_FIELDS = {ACCESS_TOKEN, "token_type"};

    private final ObjectMapper json = configure(new ObjectMapper());

    /**
     * Makes {@code mapper} keep numbers as written ({@code 1.50} stays "1.50") so numeric credential values
     * survive stringification; use it for any mapper whose trees are handed to {@link #parse(JsonNode)}.
     */
    public static <M extends ObjectMapper> M configure(M mapper) {
        mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        mapper.configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
        return mapper;
    }

    /** Parses a JSON body (the Authority's 200 answer). */
    public TokenGrant parse(byte[] body) throws MalformedTokenException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            // Jackson's own message quotes the offending token, which may be a secret: report only where.
            throw new MalformedTokenException("body is not valid JSON" + at(e.getLocation()));
        } catch (IOException e) {
            throw new MalformedTokenException("body could not be read as JSON");
        }
        return parse(root);
    }

    /** Parses an already-read document (a JSON body or one entry of a YAML credential file). */
    public TokenGrant parse(JsonNode root) throws MalformedTokenException {
        if (root == null || !root.isObject()) {
            throw new MalformedTokenException("token document is not an object");
        }
        JsonNode credentialsNode = root.get("credentials");
        if (credentialsNode != null && !credentialsNode.isNull() && !credentialsNode.isObject()) {
            throw new MalformedTokenException("field 'credentials' must be an object");
        }
        boolean hasAccessToken = hasScalar(root, ACCESS_TOKEN) || hasScalar(credentialsNode, ACCESS_TOKEN);
        StrategySpec strategy = strategy(root.get("strategy"), hasAccessToken);

        Map<String, String> credentials = new LinkedHashMap<>();
        if (credentialsNode != null && credentialsNode.isObject()) {
            credentialsNode.properties().forEach(field -> putScalar(credentials, field.getKey(), field.getValue()));
        }
        if (OAUTH2.equals(strategy.type())) {
            for (String field : FLATTENED_OAUTH2_FIELDS) {
                if (!credentials.containsKey(field)) {
                    putScalar(credentials, field, root.get(field));
                }
            }
            if (!credentials.containsKey(ACCESS_TOKEN)) {
                throw new MalformedTokenException("oauth2 token has no 'access_token' (neither at the top level nor in 'credentials')");
            }
        } else if (credentialsNode == null || credentialsNode.isNull()) {
            throw new MalformedTokenException("field 'credentials' is missing (strategy '" + strategy.type() + "')");
        }

        Instant expiresAt = firstInstant(root, credentialsNode);
        Duration expiresIn = expiresAt != null ? null : firstDuration(root, credentialsNode);
        return new TokenGrant(strategy, credentials, expiresAt, expiresIn);
    }

    private static StrategySpec strategy(JsonNode node, boolean hasAccessToken) throws MalformedTokenException {
        if (node == null || node.isNull()) {
            if (hasAccessToken) {
                return StrategySpec.of(OAUTH2);
            }
            throw new MalformedTokenException("field 'strategy' is missing (and there is no 'access_token' implying oauth2)");
        }
        if (node.isTextual()) {
            return StrategySpec.of(requireType(node.asText()));
        }
        if (!node.isObject()) {
            throw new MalformedTokenException("field 'strategy' must be an object like {\"type\": \"header\", \"config\": {...}}");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            if (hasAccessToken) {
                return StrategySpec.of(OAUTH2);
            }
            throw new MalformedTokenException("field 'strategy.type' is missing or not a string");
        }
        Map<String, String> config = new LinkedHashMap<>();
        JsonNode configNode = node.get("config");
        if (configNode != null && configNode.isObject()) {
            configNode.properties().forEach(field -> putScalar(config, field.getKey(), field.getValue()));
        } else if (configNode != null && !configNode.isNull()) {
            throw new MalformedTokenException("field 'strategy.config' must be an object");
        }
        return new StrategySpec(requireType(type.asText()), config);
    }

    private static String requireType(String type) throws MalformedTokenException {
        String trimmed = type.trim();
        if (trimmed.isEmpty()) {
            throw new MalformedTokenException("field 'strategy.type' is empty");
        }
        return trimmed.toLowerCase(Locale.ROOT);
    }

    private static boolean hasScalar(JsonNode object, String field) {
        JsonNode value = object == null ? null : object.get(field);
        return value != null && value.isValueNode() && !value.isNull();
    }

    private static void putScalar(Map<String, String> target, String key, JsonNode value) {
        if (value == null || value.isNull() || !value.isValueNode()) {
            return;
        }
        target.put(key, value.isBigDecimal() ? value.decimalValue().toPlainString() : value.asText());
    }

    private static Instant firstInstant(JsonNode root, JsonNode credentials) throws MalformedTokenException {
        Instant top = instant(root.get("expires_at"), "expires_at");
        if (top != null) {
            return top;
        }
        return credentials == null ? null : instant(credentials.get("expires_at"), "credentials.expires_at");
    }

    private static Duration firstDuration(JsonNode root, JsonNode credentials) throws MalformedTokenException {
        Duration top = seconds(root.get("expires_in"), "expires_in");
        if (top != null) {
            return top;
        }
        return credentials == null ? null : seconds(credentials.get("expires_in"), "credentials.expires_in");
    }

    /** Epoch seconds (number or numeric string) or RFC 3339; zero, negative or year-1 values mean "no expiry". */
    private static Instant instant(JsonNode node, String field) throws MalformedTokenException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return epoch(node.decimalValue().doubleValue());
        }
        if (!node.isTextual()) {
            throw new MalformedTokenException("field '" + field + "' must be epoch seconds or an RFC 3339 timestamp");
        }
        String text = node.asText().trim();
        if (text.isEmpty()) {
            return null;
        }
        try {
            return epoch(Double.parseDouble(text));
        } catch (NumberFormatException notANumber) {
            try {
                // RFC 3339 allows a lower-case 't'/'z' and a space between date and time.
                String iso = text.toUpperCase(Locale.ROOT).replace(' ', 'T');
                Instant instant = OffsetDateTime.parse(iso).toInstant();
                return instant.getEpochSecond() <= 0 ? null : instant;
            } catch (DateTimeParseException e) {
                throw new MalformedTokenException("field '" + field + "' is neither epoch seconds nor an RFC 3339 timestamp");
            }
        }
    }

    private static Instant epoch(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            return null;
        }
        double millis = value >= EPOCH_MILLIS_THRESHOLD ? value : value * 1000d;
        return Instant.ofEpochMilli((long) millis);
    }

    private static Duration seconds(JsonNode node, String field) throws MalformedTokenException {
        if (node == null || node.isNull()) {
            return null;
        }
        double seconds;
        if (node.isNumber()) {
            seconds = node.decimalValue().doubleValue();
        } else if (node.isTextual() && !node.asText().isBlank()) {
            try {
                seconds = Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                throw new MalformedTokenException("field '" + field + "' must be a number of seconds");
            }
        } else if (node.isTextual()) {
            return null;
        } else {
            throw new MalformedTokenException("field '" + field + "' must be a number of seconds");
        }
        return seconds > 0 && !Double.isInfinite(seconds) ? Duration.ofMillis((long) (seconds * 1000d)) : null;
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
