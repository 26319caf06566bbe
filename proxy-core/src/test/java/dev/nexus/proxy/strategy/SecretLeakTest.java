package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.nexus.proxy.strategy.TestRequests.TIME;
import static dev.nexus.proxy.strategy.TestRequests.request;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No strategy error message, exception toString or strategy toString contains a credential value:
 * every strategy is driven into each of its failure modes with recognisable secrets in the lease.
 */
class SecretLeakTest {

    private static final List<String> SECRETS = List.of("SEKRET-api-key-7f3a", "SEKRET-user-91", "SEKRET-pass-42",
            "SEKRET-hmac-55", "AKIASEKRET0001", "SEKRET/aws+secret=", "SEKRET-session-tok", "SEKRET-oauth-ya29");

    private static final Map<String, String> SPEC_CONFIG = Map.of(
            "header", "header_name=X-API-Key",
            "query_param", "param_name=key",
            "basic_auth", "",
            "hmac_payload", "header_name=X-Signature",
            "aws_sigv4", "service=s3",
            "oauth2", "",
            "path", "");

    @Test
    void failuresAndDescriptionsNeverContainACredentialValue() {
        List<String> texts = new ArrayList<>();
        for (StrategyType type : StrategyType.values()) {
            CredentialStrategy strategy = Strategies.create(spec(type), StrategyOptions.DEFAULT);
            texts.add(strategy.toString());
            for (Map<String, String> credentials : brokenCredentialSets()) {
                try {
                    strategy.stripAgentCredentials(request("GET", "/?key=SEKRET-api-key-7f3a"));
                    OutboundRequest request = request("GET", "/?key=SEKRET-api-key-7f3a");
                    strategy.apply(request, lease(type, credentials));
                    texts.add(request.toString());
                } catch (StrategyException e) {
                    texts.add(e.getMessage());
                    texts.add(e.toString());
                }
            }
            texts.add(lease(type, allSecrets()).toString());
        }
        texts.add(streamingFailure());

        assertTrue(texts.stream().anyMatch(t -> t.contains("is missing or empty")), "some failures were produced");
        assertTrue(texts.stream().anyMatch(t -> t.contains("not allowed in an HTTP header value")), "invalid values were produced");
        for (String text : texts) {
            for (String secret : SECRETS) {
                assertFalse(text.contains(secret), () -> "secret leaked into: " + text);
            }
        }
    }

    @Test
    void successfulInjectionLeavesNoSecretInTheStrategyDescription() {
        for (StrategyType type : StrategyType.values()) {
            CredentialStrategy strategy = Strategies.create(spec(type), StrategyOptions.DEFAULT);
            ByteBuf body = Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII);
            try {
                strategy.apply(request("POST", "/", body, "Content-Length", "2"), lease(type, allSecrets()));
            } finally {
                body.release();
            }
            String description = strategy.toString();
            SECRETS.forEach(secret -> assertFalse(description.contains(secret), () -> type + " describes itself as " + description));
        }
    }

    private static String streamingFailure() {
        try {
            Strategies.create(spec(StrategyType.AWS_SIGV4), StrategyOptions.DEFAULT)
                    .stripAgentCredentials(request("PUT", "/", "X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                            "Authorization", "AWS4-HMAC-SHA256 Credential=AKIASEKRET0001/x"));
            return "";
        } catch (StrategyException e) {
            return e.getMessage() + e;
        }
    }

    /** Each set breaks a different field: everything present but one, or one value with a CR/LF in it. */
    private static List<Map<String, String>> brokenCredentialSets() {
        List<Map<String, String>> sets = new ArrayList<>();
        for (String field : allSecrets().keySet()) {
            Map<String, String> missing = new HashMap<>(allSecrets());
            missing.remove(field);
            sets.add(missing);
            Map<String, String> corrupt = new HashMap<>(allSecrets());
            corrupt.put(field, corrupt.get(field) + "\r\nX-Injected: 1");
            sets.add(corrupt);
        }
        return sets;
    }

    private static Map<String, String> allSecrets() {
        return Map.of("api_key", SECRETS.get(0), "username", SECRETS.get(1), "password", SECRETS.get(2),
                "api_secret", SECRETS.get(3), "access_key", SECRETS.get(4), "secret_key", SECRETS.get(5),
                "session_token", SECRETS.get(6), "access_token", SECRETS.get(7));
    }

    private static StrategySpec spec(StrategyType type) {
        String config = SPEC_CONFIG.get(type.wireName());
        return config.isEmpty() ? StrategySpec.of(type.wireName())
                : new StrategySpec(type.wireName(), Map.of(config.split("=")[0], config.split("=")[1]));
    }

    private static Lease lease(StrategyType type, Map<String, String> credentials) {
        return new Lease("conn-1", StrategySpec.of(type.wireName()), credentials, null, TIME);
    }
}
