package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The per-pod choices, from the pod's annotations over the injector's configuration. Parsing fails with an
 * {@link InvalidAnnotationException} naming the annotation and its value, which the webhook turns into a
 * denied admission.
 *
 * @param mode         explicit or transparent
 * @param policyConfigMap the ConfigMap mounted as the sidecar's policy directory
 * @param identity     the agent identity for the sidecar, or null for none
 * @param requests     sidecar resource requests
 * @param limits       sidecar resource limits
 */
record PodOptions(InjectionMode mode, String policyConfigMap, String identity,
                  Map<String, String> requests, Map<String, String> limits) {

    /** RFC 1123 subdomain, what Kubernetes requires of ConfigMap names. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Printable, no whitespace: the identity ends up in an env var and in audit records. */
    private static final Pattern IDENTITY = Pattern.compile("[\\x21-\\x7e]{1,253}");

    static PodOptions from(JsonNode annotations, InjectorConfig config) {
        String modeText = text(annotations, Annotations.MODE);
        InjectionMode mode = InjectionMode.EXPLICIT;
        if (modeText != null) {
            mode = InjectionMode.fromAnnotation(modeText);
            if (mode == null) {
                throw new InvalidAnnotationException(Annotations.MODE, modeText, "expected 'explicit' or 'transparent'");
            }
        }
        String policy = text(annotations, Annotations.POLICY);
        if (policy == null) {
            policy = config.policyConfigMapName();
        } else if (policy.length() > 253 || !DNS_SUBDOMAIN.matcher(policy).matches()) {
            throw new InvalidAnnotationException(Annotations.POLICY, policy, "expected a ConfigMap name (RFC 1123 subdomain)");
        }
        String identity = text(annotations, Annotations.IDENTITY);
        if (identity != null && !IDENTITY.matcher(identity).matches()) {
            throw new InvalidAnnotationException(Annotations.IDENTITY, identity,
                    "expected 1-253 printable characters without spaces");
        }
        Map<String, String> requests = new LinkedHashMap<>(config.requests());
        Map<String, String> limits = new LinkedHashMap<>(config.limits());
        override(annotations, Annotations.PROXY_CPU, "cpu", requests, limits);
        override(annotations, Annotations.PROXY_MEMORY, "memory", requests, limits);
        return new PodOptions(mode, policy, identity, requests, limits);
    }

    /** The annotation sets the request, and the limit too when one is configured, so request never exceeds limit. */
    private static void override(JsonNode annotations, String annotation, String resource,
                                 Map<String, String> requests, Map<String, String> limits) {
        String value = text(annotations, annotation);
        if (value == null) {
            return;
        }
        if (!Quantity.isValid(value)) {
            throw new InvalidAnnotationException(annotation, value, "expected a Kubernetes quantity such as 100m, 0.5, 256Mi or 1Gi");
        }
        requests.put(resource, value);
        if (limits.containsKey(resource)) {
            limits.put(resource, value);
        }
    }

    private static String text(JsonNode annotations, String key) {
        JsonNode n = annotations.path(key);
        return n.isTextual() ? n.asText() : null;
    }

    /** A pod annotation the injector cannot honour; the message names it and its value. */
    static final class InvalidAnnotationException extends RuntimeException {
        InvalidAnnotationException(String annotation, String value, String expected) {
            super("annotation " + annotation + " has invalid value '" + value + "': " + expected);
        }
    }
}
