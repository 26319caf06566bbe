package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.nexus.server.k8s.iptables.Cidr;
import dev.nexus.server.k8s.iptables.IptablesCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the sidecar injector puts into pods, from a small YAML file ({@code --config injector.yaml}); every
 * field has a default so the file may be empty or absent. Unknown keys and bad values are errors that name
 * the file and the field.
 *
 * @param image               the proxy image used for the sidecar and the init containers
 * @param imagePullPolicy     Always, IfNotPresent or Never
 * @param proxyPort           the explicit proxy port on 127.0.0.1 (HTTP_PROXY points here)
 * @param adminPort           the admin port the probes call ({@code /readyz}, {@code /healthz})
 * @param proxyUid            the uid the sidecar runs as; transparent mode never redirects its traffic
 * @param requests            resource requests (resource name to quantity)
 * @param limits              resource limits (resource name to quantity)
 * @param serviceCidrs        the cluster's service ranges, added to NO_PROXY
 * @param caSecretName        Secret (type kubernetes.io/tls) holding the proxy CA, in each injected namespace
 * @param adminTokenSecretName Secret holding the sidecar's admin token, in each injected namespace
 *                             ({@code adminToken.secretName}); mounted into the injector's init step only
 * @param adminTokenSecretKey  the key of that Secret holding the token ({@code adminToken.key})
 * @param configMapName       ConfigMap holding the sidecar's {@code config.yaml}, in each injected namespace
 * @param policyConfigMapName default policy ConfigMap (overridable per pod with {@code nexus.dev/policy})
 * @param jvmOptions          the sidecar's JVM flags ({@code NEXUS_JVM_OPTS}, which replace the image's default)
 * @param truststorePassword  password of the generated PKCS12 truststore (it holds public certificates only)
 * @param allowTransparent    whether pods may ask for transparent mode (on by default); an operator whose
 *                            namespaces forbid the NET_ADMIN init container it needs can turn it off, so such
 *                            pods get the injector's clear refusal instead
 * @param transparentHttpPort  port of the sidecar's transparent HTTP listener: the iptables rules redirect port
 *                             80 there and the sidecar's config enables the listener on it
 *                             ({@link TransparentRedirect})
 * @param transparentHttpsPort port of the sidecar's transparent TLS listener, the same way for port 443
 * @param excludeCidrs        destinations transparent mode never redirects
 * @param extraEnv            Kubernetes EnvVar objects added verbatim to the sidecar, typically
 *                            {@code secretKeyRef}s for the Authority API key and the Redis encryption key;
 *                            never a variable the injector sets itself
 */
public record InjectorConfig(String image,
                             String imagePullPolicy,
                             int proxyPort,
                             int adminPort,
                             int proxyUid,
                             Map<String, String> requests,
                             Map<String, String> limits,
                             List<String> serviceCidrs,
                             String caSecretName,
                             String adminTokenSecretName,
                             String adminTokenSecretKey,
                             String configMapName,
                             String policyConfigMapName,
                             String jvmOptions,
                             String truststorePassword,
                             boolean allowTransparent,
                             int transparentHttpPort,
                             int transparentHttpsPort,
                             List<Cidr> excludeCidrs,
                             List<JsonNode> extraEnv) {

    /**
     * The sidecar JVM profile, the same string as the chart's {@code injector.sidecar.jvmOptions} and the image's
     * {@code NEXUS_JVM_OPTS}: C1 only, one processor's worth of threads, every memory area bounded so that together
     * they fit {@link #SIDECAR_MEMORY_LIMIT}, the image's class-data archive (docs/kubernetes.md, "JVM profiles").
     */
    public static final String SIDECAR_JVM_OPTIONS =
            "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ActiveProcessorCount=1 -XX:MaxRAMPercentage=20 -Xms8m -Xmn4m"
                    + " -Xss256k -XX:MaxMetaspaceSize=48m -XX:ReservedCodeCacheSize=16m -XX:MaxDirectMemorySize=12m"
                    + " -XX:+ExitOnOutOfMemoryError -Xshare:auto -XX:SharedArchiveFile=/opt/nexus-proxy/nexus.jsa";
    /** The sidecar's memory limit: the sum of the profile's bounds plus the JVM's own memory. */
    public static final String SIDECAR_MEMORY_LIMIT = "176Mi";
    /** The environment variable the image's entrypoint passes to {@code java}: the sidecar's flags replace its default. */
    public static final String JVM_OPTIONS_ENV = "NEXUS_JVM_OPTS";

    /** The top-level fields of the file. */
    public static final Set<String> FIELDS = Set.of("image", "imagePullPolicy", "proxyPort", "adminPort", "proxyUid",
            "resources", "serviceCidrs", "caSecretName", "adminToken", "configMapName", "policyConfigMapName", "jvmOptions",
            "truststorePassword", "allowTransparent", "transparent", "extraEnv");
    private static final Set<String> TRANSPARENT_KEYS = Set.of("httpPort", "httpsPort", "excludeCidrs");
    private static final Set<String> RESOURCE_KEYS = Set.of("requests", "limits");
    private static final Set<String> ADMIN_TOKEN_KEYS = Set.of("secretName", "key");
    /** Sidecar variables the injector sets; a second definition in extraEnv would silently override them. */
    private static final Set<String> INJECTOR_ENV = Set.of(JVM_OPTIONS_ENV, TransparentRedirect.ENABLED_ENV,
            TransparentRedirect.HTTP_PORT_ENV, TransparentRedirect.TLS_PORT_ENV);

    public InjectorConfig {
        // Sorted, so the generated patch is the same for the same configuration.
        requests = Collections.unmodifiableMap(new TreeMap<>(requests));
        limits = Collections.unmodifiableMap(new TreeMap<>(limits));
        serviceCidrs = List.copyOf(serviceCidrs);
        excludeCidrs = List.copyOf(excludeCidrs);
        extraEnv = List.copyOf(extraEnv);
    }

    /** The defaults documented in docs/kubernetes.md. */
    public static InjectorConfig defaults() {
        return new InjectorConfig("ghcr.io/nexus-dev/nexus-proxy:latest", "IfNotPresent", 3128, 9090,
                IptablesCommand.DEFAULT_PROXY_UID,
                orderedMap("cpu", "50m", "memory", "128Mi"), orderedMap("memory", SIDECAR_MEMORY_LIMIT),
                List.of("10.96.0.0/12"), "nexus-proxy-ca", "nexus-proxy-admin-token", "admin-token",
                "nexus-proxy-sidecar", "nexus-proxy-policy",
                SIDECAR_JVM_OPTIONS, "changeit", true, IptablesCommand.DEFAULT_HTTP_PORT, IptablesCommand.DEFAULT_HTTPS_PORT,
                List.of(), List.of());
    }

    /** Reads the file; a missing field keeps its default. */
    public static InjectorConfig load(Path file) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        return from(root == null || root.isMissingNode() || root.isNull() ? null : root, file.toString());
    }

    /** Builds from a parsed YAML/JSON tree ({@code null}: all defaults); {@code source} names it in errors. */
    public static InjectorConfig from(JsonNode root, String source) {
        InjectorConfig d = defaults();
        if (root == null) {
            return d;
        }
        Reader r = new Reader(source);
        r.requireObject(root, "");
        r.rejectUnknown(root, FIELDS, "");
        JsonNode resources = root.path("resources");
        Map<String, String> requests = d.requests();
        Map<String, String> limits = d.limits();
        if (!resources.isMissingNode()) {
            r.requireObject(resources, "resources");
            r.rejectUnknown(resources, RESOURCE_KEYS, "resources.");
            requests = resources.has("requests") ? r.quantities(resources.get("requests"), "resources.requests") : Map.of();
            limits = resources.has("limits") ? r.quantities(resources.get("limits"), "resources.limits") : Map.of();
        }
        JsonNode transparent = root.path("transparent");
        if (!transparent.isMissingNode()) {
            r.requireObject(transparent, "transparent");
            r.rejectUnknown(transparent, TRANSPARENT_KEYS, "transparent.");
        }
        JsonNode adminToken = root.path("adminToken");
        if (!adminToken.isMissingNode()) {
            r.requireObject(adminToken, "adminToken");
            r.rejectUnknown(adminToken, ADMIN_TOKEN_KEYS, "adminToken.");
        }
        List<String> serviceCidrs = new ArrayList<>();
        for (String text : r.strings(root, "serviceCidrs", d.serviceCidrs())) {
            serviceCidrs.add(r.cidr(text, "serviceCidrs").toString());
        }
        List<Cidr> exclude = new ArrayList<>();
        for (String text : r.strings(transparent, "excludeCidrs", List.of())) {
            exclude.add(r.cidr(text, "transparent.excludeCidrs"));
        }
        String pullPolicy = r.string(root, "imagePullPolicy", d.imagePullPolicy());
        if (!Set.of("Always", "IfNotPresent", "Never").contains(pullPolicy)) {
            throw r.error("imagePullPolicy", "must be Always, IfNotPresent or Never, got '" + pullPolicy + "'");
        }
        InjectorConfig c = new InjectorConfig(
                r.string(root, "image", d.image()),
                pullPolicy,
                r.port(root, "proxyPort", d.proxyPort()),
                r.port(root, "adminPort", d.adminPort()),
                r.integer(root, "proxyUid", d.proxyUid(), 1, Integer.MAX_VALUE),
                requests, limits, serviceCidrs,
                r.string(root, "caSecretName", d.caSecretName()),
                r.string(adminToken, "secretName", d.adminTokenSecretName()),
                r.string(adminToken, "key", d.adminTokenSecretKey()),
                r.string(root, "configMapName", d.configMapName()),
                r.string(root, "policyConfigMapName", d.policyConfigMapName()),
                r.string(root, "jvmOptions", d.jvmOptions()),
                r.string(root, "truststorePassword", d.truststorePassword()),
                r.bool(root, "allowTransparent", d.allowTransparent()),
                r.port(transparent, "httpPort", d.transparentHttpPort()),
                r.port(transparent, "httpsPort", d.transparentHttpsPort()),
                exclude,
                r.envVars(root, "extraEnv"));
        if (c.transparentHttpPort() == c.transparentHttpsPort()) {
            throw r.error("transparent.httpsPort", "must differ from transparent.httpPort");
        }
        return c;
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Field readers that name the file and field in every error. */
    private record Reader(String source) {

        IllegalArgumentException error(String field, String problem) {
            return new IllegalArgumentException(source + ": " + (field.isEmpty() ? "document" : field) + " " + problem);
        }

        void requireObject(JsonNode node, String field) {
            if (!node.isObject()) {
                throw error(field, "must be a mapping");
            }
        }

        void rejectUnknown(JsonNode node, Set<String> known, String prefix) {
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw error(prefix + name, "is not a known field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                }
            }
        }

        String string(JsonNode parent, String field, String fallback) {
            JsonNode n = parent.path(field);
            if (n.isMissingNode() || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual() || n.asText().isBlank()) {
                throw error(field, "must be a non-empty string");
            }
            return n.asText();
        }

        boolean bool(JsonNode parent, String field, boolean fallback) {
            JsonNode n = parent.path(field);
            if (n.isMissingNode() || n.isNull()) {
                return fallback;
            }
            if (!n.isBoolean()) {
                throw error(field, "must be true or false, got " + n);
            }
            return n.asBoolean();
        }

        int integer(JsonNode parent, String field, int fallback, int min, int max) {
            JsonNode n = parent.path(field);
            if (n.isMissingNode() || n.isNull()) {
                return fallback;
            }
            if (!n.isInt() || n.asInt() < min || n.asInt() > max) {
                throw error(field, "must be an integer between " + min + " and " + max + ", got " + n);
            }
            return n.asInt();
        }

        int port(JsonNode parent, String field, int fallback) {
            return integer(parent, field, fallback, 1, 65535);
        }

        List<String> strings(JsonNode parent, String field, List<String> fallback) {
            JsonNode n = parent.path(field);
            if (n.isMissingNode() || n.isNull()) {
                return fallback;
            }
            if (!n.isArray()) {
                throw error(field, "must be a list of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : n) {
                if (!item.isTextual()) {
                    throw error(field, "must be a list of strings, found " + item);
                }
                out.add(item.asText());
            }
            return out;
        }

        Cidr cidr(String text, String field) {
            try {
                return Cidr.parse(text);
            } catch (IllegalArgumentException e) {
                throw error(field, e.getMessage());
            }
        }

        List<JsonNode> envVars(JsonNode parent, String field) {
            JsonNode n = parent.path(field);
            if (n.isMissingNode() || n.isNull()) {
                return List.of();
            }
            if (!n.isArray()) {
                throw error(field, "must be a list of Kubernetes EnvVar objects");
            }
            List<JsonNode> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                JsonNode item = n.get(i);
                if (!item.isObject() || !item.path("name").isTextual() || item.path("name").asText().isBlank()) {
                    throw error(field + "[" + i + "]", "must be an EnvVar object with a name");
                }
                if (item.has("value") == item.has("valueFrom")) {
                    throw error(field + "[" + i + "]", "must have exactly one of value and valueFrom");
                }
                if (INJECTOR_ENV.contains(item.path("name").asText())) {
                    throw error(field + "[" + i + "]", "must not set " + item.path("name").asText()
                            + ": the injector sets it (jvmOptions, or the transparent listener ports)");
                }
                out.add(item.deepCopy());
            }
            return out;
        }

        Map<String, String> quantities(JsonNode node, String field) {
            requireObject(node, field);
            Map<String, String> out = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String value = e.getValue().asText();
                if (!e.getValue().isValueNode() || !Quantity.isValid(value)) {
                    throw error(field + "." + e.getKey(), "is not a Kubernetes quantity: '" + value + "'");
                }
                out.put(e.getKey(), value);
            }
            return out;
        }
    }
}
