package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds an RFC 6902 JSON Patch document, one operation at a time, in order. */
final class JsonPatch {

    private final ArrayNode operations = JsonNodeFactory.instance.arrayNode();

    /** Escapes one reference token per RFC 6901: {@code ~} becomes {@code ~0}, then {@code /} becomes {@code ~1}. */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    JsonPatch add(String path, JsonNode value) {
        operations.add(op("add", path, value));
        return this;
    }

    JsonPatch replace(String path, JsonNode value) {
        operations.add(op("replace", path, value));
        return this;
    }

    boolean isEmpty() {
        return operations.isEmpty();
    }

    ArrayNode operations() {
        return operations;
    }

    private static ObjectNode op(String op, String path, JsonNode value) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("op", op);
        node.put("path", path);
        node.set("value", value);
        return node;
    }
}
