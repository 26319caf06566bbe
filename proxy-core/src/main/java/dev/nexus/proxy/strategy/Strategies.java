package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.policy.model.StrategyType;

import java.util.Locale;

/**
 * Builds the {@link CredentialStrategy} for a strategy spec, with the config keys and defaults of the
 * reference bridge (see nexus-protocol.md, "Strategies"). All config checking happens here, once per
 * spec, so that {@link CredentialStrategy#apply} can only fail on the credentials themselves. Every strategy
 * renders the request's {@code {field}} placeholders before it applies (protocol 0.4, {@link TemplatingStrategy}).
 */
public final class Strategies {

    private Strategies() {
    }

    /**
     * @throws StrategyException of kind {@link StrategyException.Kind#INVALID_CONFIG} for an unknown
     *                           type, a missing required key or an invalid value
     */
    public static CredentialStrategy create(StrategySpec spec, StrategyOptions options) {
        StrategyType type = StrategyType.fromWireName(spec.type()).orElseThrow(() -> new StrategyException(
                StrategyException.Kind.INVALID_CONFIG, null, "type", "unknown strategy type \"" + printable(spec.type()) + "\""));
        for (String key : type.requiredKeys()) {
            if (spec.configOr(key, null) == null) {
                throw StrategyException.invalidConfig(type, key, "is required");
            }
        }
        return new TemplatingStrategy(switch (type) {
            case HEADER -> new HeaderStrategy(StrategyType.HEADER, headerName(spec, type, "header_name", "Authorization"),
                    spec.configOr("credential_field", "api_key"), valuePrefix(spec));
            case QUERY_PARAM -> new QueryParamStrategy(spec.configOr("param_name", null), spec.configOr("credential_field", "api_key"));
            case BASIC_AUTH -> new BasicAuthStrategy(spec.configOr("username_field", "username"), spec.configOr("password_field", "password"));
            case HMAC_PAYLOAD -> new HmacPayloadStrategy(headerName(spec, type, "header_name", null),
                    spec.configOr("secret_field", "api_secret"), hmacAlgorithm(spec), hmacEncoding(spec));
            case AWS_SIGV4 -> new AwsSigV4Strategy(scopeName(spec, "region", "us-east-1"), scopeName(spec, "service", null),
                    options.unsignedPayload(), spec.configOr("agent_secret_key", null), options.maxBodyBytes());
            case OAUTH2 -> HeaderStrategy.oauth2();
            case PATH -> PathStrategy.INSTANCE;
        });
    }

    private static String headerName(StrategySpec spec, StrategyType type, String key, String defaultName) {
        String name = spec.configOr(key, defaultName);
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) {
                throw StrategyException.invalidConfig(type, key, "is not a valid HTTP header name");
            }
        }
        return name;
    }

    /**
     * The prefix is sent verbatim in a header, so it must be header-safe. Read without
     * {@link StrategySpec#configOr}: a whitespace-only prefix is still a prefix, as in the reference bridge.
     */
    private static String valuePrefix(StrategySpec spec) {
        String prefix = spec.config().getOrDefault("value_prefix", "");
        if (!CredentialFields.isHeaderSafe(prefix)) {
            throw StrategyException.invalidConfig(StrategyType.HEADER, "value_prefix",
                    "contains characters not allowed in an HTTP header value");
        }
        return prefix;
    }

    /** Region and service become part of the SigV4 credential scope ({@code date/region/service/aws4_request}). */
    private static String scopeName(StrategySpec spec, String key, String defaultValue) {
        String name = spec.configOr(key, defaultValue);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                throw StrategyException.invalidConfig(StrategyType.AWS_SIGV4, key,
                        "must contain only letters, digits, '-', '_' and '.'");
            }
        }
        return name;
    }

    private static Digests.HmacAlgorithm hmacAlgorithm(StrategySpec spec) {
        return switch (spec.configOr("algo", "sha256").toLowerCase(Locale.ROOT)) {
            case "sha256" -> Digests.HmacAlgorithm.SHA256;
            case "sha1" -> Digests.HmacAlgorithm.SHA1;
            default -> throw StrategyException.invalidConfig(StrategyType.HMAC_PAYLOAD, "algo", "must be sha256 or sha1");
        };
    }

    private static HmacPayloadStrategy.Encoding hmacEncoding(StrategySpec spec) {
        return switch (spec.configOr("encoding", "hex").toLowerCase(Locale.ROOT)) {
            case "hex" -> HmacPayloadStrategy.Encoding.HEX;
            case "base64" -> HmacPayloadStrategy.Encoding.BASE64;
            default -> throw StrategyException.invalidConfig(StrategyType.HMAC_PAYLOAD, "encoding", "must be hex or base64");
        };
    }

    /** RFC 9110 token characters. */
    private static boolean isTokenChar(char c) {
        return c < 0x7F && c > 0x20 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    /** The unknown type name, cut short and with controls replaced, so it is safe to put in a message. */
    private static String printable(String typeName) {
        String shortened = typeName.length() > 64 ? typeName.substring(0, 64) + "…" : typeName;
        StringBuilder out = new StringBuilder(shortened.length());
        shortened.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
