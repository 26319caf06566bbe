package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Loads the AdmissionReview documents under src/test/resources/k8s/admission and applies patches. */
final class AdmissionFixtures {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private AdmissionFixtures() {
    }

    static ObjectNode review(String name) {
        try (InputStream in = AdmissionFixtures.class.getResourceAsStream("/k8s/admission/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource k8s/admission/" + name);
            }
            return (ObjectNode) MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode pod(JsonNode review) {
        return review.path("request").path("object");
    }

    /** Decodes {@code response.patch} and applies it with an independent RFC 6902 implementation. */
    static JsonNode applyPatch(JsonNode response, JsonNode pod) {
        try {
            JsonNode patch = MAPPER.readTree(new String(
                    Base64.getDecoder().decode(response.path("response").path("patch").asText()), StandardCharsets.UTF_8));
            return JsonPatch.apply(patch, pod);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode named(JsonNode array, String name) {
        for (JsonNode item : array) {
            if (name.equals(item.path("name").asText())) {
                return item;
            }
        }
        throw new AssertionError("no entry named " + name + " in " + array);
    }

    static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path("name").asText()));
        return out;
    }

    static String env(JsonNode container, String name) {
        return named(container.path("env"), name).path("value").asText(null);
    }
}
