package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.Map;

/**
 * The environment a container starts with, from its {@code env} list: literal values as written, and for
 * each {@code secretKeyRef} a stand-in of the shape that Secret must hold (the tests have no cluster).
 */
final class ContainerEnvironment {

    /** What each Secret-backed variable the chart wires in would hold in a real install. */
    private static final Map<String, String> SECRET_STAND_INS = Map.of(
            "NEXUS_AUTHORITY_API_KEY", "authority-key-from-a-secret",
            "NEXUS_REDIS_URL", "rediss://:pw@redis.example.com:6380",
            "NEXUS_REDIS_PASSWORD", "5f1c0a9e7b3d24c8e6a1f0b9d7c3e2a4",
            "NEXUS_REDIS_ENCRYPTION_KEY", "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE=");

    private ContainerEnvironment() {
    }

    static Map<String, String> of(JsonNode envList) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode variable : envList) {
            String name = variable.path("name").asText();
            if (variable.has("value")) {
                env.put(name, variable.path("value").asText());
            } else if (variable.path("valueFrom").has("secretKeyRef")) {
                String standIn = SECRET_STAND_INS.get(name);
                if (standIn == null) {
                    throw new AssertionError(name + " comes from a Secret this test has no stand-in for");
                }
                env.put(name, standIn);
            } else {
                throw new AssertionError(name + " is neither a literal nor a Secret reference: " + variable);
            }
        }
        return env;
    }

    /** Variable name to "secret/key" for every Secret-backed variable of an {@code env} list. */
    static Map<String, String> secretReferences(JsonNode envList) {
        Map<String, String> refs = new HashMap<>();
        for (JsonNode variable : envList) {
            JsonNode ref = variable.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                refs.put(variable.path("name").asText(), ref.path("name").asText() + "/" + ref.path("key").asText());
            }
        }
        return refs;
    }
}
