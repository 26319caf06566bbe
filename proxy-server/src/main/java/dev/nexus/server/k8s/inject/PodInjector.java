package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Decides whether a pod gets the sidecar and, if so, computes the JSON Patch that adds it.
 *
 * <p>Paths stay valid whatever the pod looks like: an absent array or map is added whole, an existing one
 * is appended to or inserted into, and annotation keys are escaped per RFC 6901. Injection happens at
 * most once: a pod carrying {@code nexus.dev/injected} or a container named {@code nexus-proxy} is left
 * alone.
 */
public final class PodInjector {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final InjectorConfig config;
    private final InjectedResources resources;
    private final AppEnvironment appEnvironment;

    public PodInjector(InjectorConfig config) {
        this.config = config;
        this.resources = new InjectedResources(config);
        this.appEnvironment = new AppEnvironment(config);
    }

    /** The outcome for one pod: no change, a patch, or a refusal with a message for the user. */
    public sealed interface Result {
        record Unchanged(String reason) implements Result {
        }

        record Patched(ArrayNode patch) implements Result {
        }

        record Refused(String message) implements Result {
        }
    }

    /**
     * @param pod            the Pod object from the AdmissionReview
     * @param namespaceOptIn true when the request came through the namespace-label webhook, so the pod is
     *                       injected unless it opts out with {@code nexus.dev/inject: "false"}
     */
    public Result inject(JsonNode pod, boolean namespaceOptIn) {
        JsonNode annotations = pod.path("metadata").path("annotations");
        JsonNode spec = pod.path("spec");
        String optIn = annotations.path(Annotations.INJECT).asText(null);
        if (optIn != null && !optIn.equals("true") && !optIn.equals("false")) {
            return refuse(new PodOptions.InvalidAnnotationException(Annotations.INJECT, optIn, "expected 'true' or 'false'"));
        }
        boolean wanted = namespaceOptIn ? !"false".equals(optIn) : "true".equals(optIn);
        if (!wanted) {
            return new Result.Unchanged("pod did not opt in");
        }
        if (annotations.has(Annotations.INJECTED) || usesName(spec, InjectedResources.SIDECAR)) {
            return new Result.Unchanged("already injected");
        }
        if (spec.path("hostNetwork").asBoolean(false)) {
            return new Result.Refused("pods with hostNetwork: true cannot get the nexus-proxy sidecar "
                    + "(it would share the node's ports and, in transparent mode, its iptables); remove "
                    + Annotations.INJECT + " or hostNetwork");
        }
        for (String name : InjectedResources.CONTAINER_NAMES) {
            if (usesName(spec, name)) {
                return new Result.Refused("container name '" + name + "' is reserved for the nexus-proxy injector; rename the container");
            }
        }
        for (JsonNode volume : spec.path("volumes")) {
            if (InjectedResources.VOLUME_NAMES.contains(volume.path("name").asText())) {
                return new Result.Refused("volume name '" + volume.path("name").asText()
                        + "' is reserved for the nexus-proxy injector; rename the volume");
            }
        }
        PodOptions options;
        try {
            options = PodOptions.from(annotations, config);
        } catch (PodOptions.InvalidAnnotationException e) {
            return refuse(e);
        }
        if (options.mode() == InjectionMode.TRANSPARENT) {
            if (!config.allowTransparent()) {
                return new Result.Refused("annotation " + Annotations.MODE + ": transparent mode is turned off in "
                        + "this injector's configuration (allowTransparent: false); use explicit mode (remove the "
                        + "annotation) or ask the cluster operator to allow transparent mode");
            }
            String bypass = containerRunningAsProxyUid(spec);
            if (bypass != null) {
                return new Result.Refused("container '" + bypass + "' runs as uid " + config.proxyUid()
                        + ", the proxy's uid, whose traffic transparent mode never redirects; run it as another uid");
            }
        }
        return new Result.Patched(patch(pod, options).operations());
    }

    /** The first app or init container whose effective runAsUser is the proxy's, or null. */
    private String containerRunningAsProxyUid(JsonNode spec) {
        JsonNode podUser = spec.path("securityContext").path("runAsUser");
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : spec.path(list)) {
                JsonNode user = c.path("securityContext").path("runAsUser");
                JsonNode effective = user.isMissingNode() ? podUser : user;
                if (effective.isIntegralNumber() && effective.asLong() == config.proxyUid()) {
                    return c.path("name").asText();
                }
            }
        }
        return null;
    }

    private JsonPatch patch(JsonNode pod, PodOptions options) {
        JsonPatch patch = new JsonPatch();
        markInjected(patch, pod.path("metadata"));
        JsonNode spec = pod.path("spec");

        List<ObjectNode> volumes = resources.volumes(options);
        if (spec.path("volumes").isArray()) {
            volumes.forEach(v -> patch.add("/spec/volumes/-", v));
        } else {
            ArrayNode all = JSON.arrayNode();
            volumes.forEach(all::add);
            patch.add("/spec/volumes", all);
        }

        // Trust bundle first, then (transparent) the iptables rules, then the sidecar, then the pod's own
        // init containers: those already run with the proxy up.
        ArrayNode ours = JSON.arrayNode();
        ours.add(resources.caInitContainer());
        if (options.mode() == InjectionMode.TRANSPARENT) {
            ours.add(resources.iptablesInitContainer());
        }
        ours.add(resources.sidecarContainer(options));
        if (spec.path("initContainers").isArray()) {
            for (int i = 0; i < ours.size(); i++) {
                patch.add("/spec/initContainers/" + i, ours.get(i));
            }
        } else {
            patch.add("/spec/initContainers", ours);
        }

        JsonNode containers = spec.path("containers");
        for (int i = 0; i < containers.size(); i++) {
            String base = "/spec/containers/" + i;
            JsonNode container = containers.get(i);
            appEnvironment.patch(patch, base, container, options.mode());
            if (container.path("volumeMounts").isArray()) {
                patch.add(base + "/volumeMounts/-", InjectedResources.appTrustMount());
            } else {
                patch.add(base + "/volumeMounts", JSON.arrayNode().add(InjectedResources.appTrustMount()));
            }
        }
        return patch;
    }

    private static void markInjected(JsonPatch patch, JsonNode metadata) {
        if (metadata.isMissingNode()) {
            ObjectNode meta = JSON.objectNode();
            meta.putObject("annotations").put(Annotations.INJECTED, "true");
            patch.add("/metadata", meta);
        } else if (metadata.path("annotations").isObject()) {
            patch.add("/metadata/annotations/" + JsonPatch.escape(Annotations.INJECTED), JSON.textNode("true"));
        } else {
            patch.add("/metadata/annotations", JSON.objectNode().put(Annotations.INJECTED, "true"));
        }
    }

    private static boolean usesName(JsonNode spec, String name) {
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : spec.path(list)) {
                if (name.equals(c.path("name").asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Result refuse(PodOptions.InvalidAnnotationException e) {
        return new Result.Refused(e.getMessage());
    }
}
