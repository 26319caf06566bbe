package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;

/**
 * Reads a manifest into its fabric8 Kubernetes model class (chosen by apiVersion and kind), field for field,
 * the way the API server's schema would. fabric8 keeps unknown fields in {@code additionalProperties} through
 * a Jackson any-setter; this mapper removes every any-setter, so an unknown field (a typo like
 * {@code readinesProbe}, a field at the wrong level) fails with Jackson's path to it.
 */
final class KubernetesObjects {

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(new SimpleModule("no-additional-properties").setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                                                             BeanDeserializerBuilder builder) {
                    builder.setAnySetter(null);
                    return builder;
                }
            }));

    private KubernetesObjects() {
    }

    /** The typed object; fails on an unknown field, a wrongly typed value, or a kind no model class knows. */
    static KubernetesResource strict(JsonNode manifest) {
        KubernetesResource typed;
        try {
            typed = STRICT.treeToValue(manifest, KubernetesResource.class);
        } catch (Exception e) {
            throw new AssertionError(manifest.path("kind").asText() + " " + manifest.path("metadata").path("name").asText()
                    + " is not a valid Kubernetes object: " + e.getMessage(), e);
        }
        if (typed instanceof GenericKubernetesResource) {
            throw new AssertionError("no Kubernetes model class for " + manifest.path("apiVersion").asText() + " "
                    + manifest.path("kind").asText() + ", so it cannot be checked");
        }
        return typed;
    }
}
