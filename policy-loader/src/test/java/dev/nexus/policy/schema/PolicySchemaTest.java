package dev.nexus.policy.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.model.StrategyType;
import dev.nexus.policy.parse.PolicyKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped JSON Schema and example policy agree with what the parser and validator accept. */
class PolicySchemaTest {

    private static final String SCHEMA = "/dev/nexus/policy/policy.schema.json";
    private static final String EXAMPLE = "/dev/nexus/policy/example-policy.yaml";

    private static String resource(String name) throws IOException {
        try (InputStream in = PolicySchemaTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " is shipped");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode schema() throws IOException {
        return new ObjectMapper().readTree(resource(SCHEMA));
    }

    private static Set<String> propertyNames(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.get("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void schemaIsDraft202012AndClosed() throws IOException {
        JsonNode schema = schema();
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
        for (JsonNode object : List.of(schema, schema.at("/$defs/defaults"), schema.at("/$defs/route"),
                schema.at("/$defs/match"), schema.at("/$defs/strategy"))) {
            assertEquals(false, object.get("additionalProperties").asBoolean(true), "unknown keys are errors everywhere");
        }
    }

    @Test
    void schemaNamesExactlyTheKeysTheParserAccepts() throws IOException {
        JsonNode schema = schema();
        assertEquals(Set.copyOf(PolicyKeys.DOCUMENT), propertyNames(schema));
        assertEquals(Set.copyOf(PolicyKeys.DEFAULTS), propertyNames(schema.at("/$defs/defaults")));
        assertEquals(Set.copyOf(PolicyKeys.ROUTE), propertyNames(schema.at("/$defs/route")));
        assertEquals(Set.copyOf(PolicyKeys.MATCH), propertyNames(schema.at("/$defs/match")));
        assertEquals(Set.copyOf(PolicyKeys.STRATEGY), propertyNames(schema.at("/$defs/strategy")));
    }

    @Test
    void schemaListsEveryStrategyType() throws IOException {
        List<String> types = new ArrayList<>();
        schema().at("/$defs/strategy/properties/type/enum").forEach(t -> types.add(t.asText()));
        assertEquals(Arrays.stream(StrategyType.values()).map(StrategyType::wireName).toList(), types);
    }

    @ParameterizedTest
    @EnumSource(StrategyType.class)
    void schemaStrategyConfigMatchesStrategyType(StrategyType type) throws IOException {
        JsonNode config = null;
        for (JsonNode branch : schema().at("/$defs/strategy/allOf")) {
            if (branch.at("/if/properties/type/const").asText().equals(type.wireName())) {
                config = branch.at("/then/properties/config");
            }
        }
        assertNotNull(config, "schema has a branch for " + type.wireName());
        assertEquals(type.knownKeys(), propertyNames(config));
        Set<String> required = new HashSet<>();
        config.get("required").forEach(r -> required.add(r.asText()));
        assertEquals(type.requiredKeys(), required);
    }

    @Test
    void examplePolicyIsValidAndUsesOnlySchemaKeys() throws IOException {
        String example = resource(EXAMPLE);
        LoadResult result = PolicyLoader.load(List.of(new SourceFile("example-policy.yaml", example)));
        assertEquals(List.of(), result.diagnostics());
        assertEquals(8, result.routeCount());

        JsonNode schema = schema();
        JsonNode document = new YAMLMapper().readTree(example);
        assertKeysIn(document, propertyNames(schema), "document");
        assertKeysIn(document.get("defaults"), propertyNames(schema.at("/$defs/defaults")), "defaults");
        for (JsonNode route : document.get("routes")) {
            assertKeysIn(route, propertyNames(schema.at("/$defs/route")), "route");
            assertKeysIn(route.get("match"), propertyNames(schema.at("/$defs/match")), "match");
            if (route.has("strategy")) {
                assertKeysIn(route.get("strategy"), propertyNames(schema.at("/$defs/strategy")), "strategy");
            }
        }
    }

    private static void assertKeysIn(JsonNode object, Set<String> allowed, String what) {
        object.fieldNames().forEachRemaining(key -> assertTrue(allowed.contains(key), what + " key " + key + " is in the schema"));
    }
}
