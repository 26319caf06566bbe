package dev.nexus.proxy.strategy;

import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.policy.model.StrategyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.nexus.proxy.strategy.TestRequests.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StrategiesTest {

    /** The smallest valid config of each type: its required keys. */
    private static Map<String, String> minimalConfig(StrategyType type) {
        Map<String, String> config = new HashMap<>();
        for (String key : type.requiredKeys()) {
            config.put(key, "X-Value");
        }
        return config;
    }

    @ParameterizedTest
    @EnumSource(StrategyType.class)
    void everyTypeOfTheCatalogueIsBuiltWithItsType(StrategyType type) {
        CredentialStrategy strategy = strategy(type.wireName(), minimalConfig(type));

        assertEquals(type, strategy.type());
        assertEquals(type.signsBody(), strategy.needsBody());
    }

    @ParameterizedTest
    @EnumSource(StrategyType.class)
    void everyRequiredKeyIsEnforcedAlsoWhenBlank(StrategyType type) {
        for (String key : type.requiredKeys()) {
            for (String missing : new String[] {null, "  "}) {
                Map<String, String> config = minimalConfig(type);
                config.put(key, missing);
                config.values().removeIf(v -> v == null);

                StrategyException error = assertThrows(StrategyException.class, () -> strategy(type.wireName(), config));

                assertEquals("strategy " + type.wireName() + ": config \"" + key + "\" is required", error.getMessage());
                assertEquals(StrategyException.Kind.INVALID_CONFIG, error.kind());
                assertEquals(type, error.type());
                assertEquals(key, error.field());
            }
        }
    }

    @Test
    void unknownTypeIsAnErrorNotAPassThrough() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("mtls", Map.of()));

        assertEquals("unknown strategy type \"mtls\"", error.getMessage());
        assertEquals(StrategyException.Kind.INVALID_CONFIG, error.kind());
        assertNull(error.type());
        assertEquals("type", error.field());
    }

    @Test
    void unknownTypeNameIsShortenedAndControlsReplacedInTheMessage() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("bad\r\ntype" + "x".repeat(100), Map.of()));

        assertFalse(error.getMessage().contains("\n"));
        assertEquals("unknown strategy type \"bad??type" + "x".repeat(55) + "…\"", error.getMessage());
    }

    @Test
    void unsignedPayloadRouteOptionLetsSigV4StreamTheBody() {
        RouteOptions route = new RouteOptions(true, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, true);

        CredentialStrategy sigv4 = Strategies.create(new StrategySpec("aws_sigv4", Map.of("service", "s3")), StrategyOptions.from(route));

        assertFalse(sigv4.needsBody());
    }

    @Test
    void unsignedPayloadDoesNotAffectHmac() {
        CredentialStrategy hmac = Strategies.create(new StrategySpec("hmac_payload", Map.of("header_name", "X-Sig")),
                new StrategyOptions(true));

        assertEquals(true, hmac.needsBody());
    }
}
