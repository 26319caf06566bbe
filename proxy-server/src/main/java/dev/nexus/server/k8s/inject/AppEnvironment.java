package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The environment the injector gives every app container, merged with what the container already has.
 *
 * <p>Merge rules (documented in docs/kubernetes.md):
 * <ul>
 *   <li>Proxy and CA variables ({@code HTTP_PROXY}, {@code SSL_CERT_FILE}, ...): the injector's value wins. A
 *       user value would send traffic around the proxy or trust a bundle without the proxy CA.</li>
 *   <li>{@code NO_PROXY}/{@code no_proxy}: the injector's list, then the user's entries from either spelling
 *       that are not already in it; both spellings get the merged list.</li>
 *   <li>{@code JAVA_TOOL_OPTIONS}: the trust flags (and in explicit mode the proxy properties) are appended
 *       to the user's value (a later {@code -D} wins in the JVM). A value from {@code valueFrom} cannot be
 *       appended to and is left untouched.</li>
 * </ul>
 * A variable is never listed twice: an existing entry is replaced in place.
 */
final class AppEnvironment {

    private static final String LOCAL_NO_PROXY = "localhost,127.0.0.1,::1,.svc,.svc.cluster.local,.cluster.local";
    private static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";

    private final InjectorConfig config;

    AppEnvironment(InjectorConfig config) {
        this.config = config;
    }

    /** Adds the patch operations for container {@code basePath} (e.g. {@code /spec/containers/0}). */
    void patch(JsonPatch patch, String basePath, JsonNode container, InjectionMode mode) {
        JsonNode env = container.path("env");
        List<Var> wanted = wanted(env, mode);
        List<JsonNode> appended = new ArrayList<>();
        for (Var var : wanted) {
            int index = indexOf(env, var.name());
            if (index < 0) {
                appended.add(InjectedResources.env(var.name(), var.value()));
                continue;
            }
            JsonNode existing = env.get(index);
            String path = basePath + "/env/" + index;
            if (var.name().equals(JAVA_TOOL_OPTIONS)) {
                JsonNode value = existing.get("value");
                if (existing.has("valueFrom") || value != null && value.asText().contains(var.value())) {
                    continue;
                }
                String userValue = value == null ? "" : value.asText().strip();
                String joined = userValue.isEmpty() ? var.value() : userValue + " " + var.value();
                patch.replace(path, InjectedResources.env(var.name(), joined));
            } else {
                patch.replace(path, InjectedResources.env(var.name(), var.value()));
            }
        }
        if (appended.isEmpty()) {
            return;
        }
        if (!env.isArray()) {
            ArrayNode all = JsonNodeFactory.instance.arrayNode();
            appended.forEach(all::add);
            patch.add(basePath + "/env", all);
        } else {
            appended.forEach(v -> patch.add(basePath + "/env/-", v));
        }
    }

    private List<Var> wanted(JsonNode env, InjectionMode mode) {
        List<Var> vars = new ArrayList<>();
        String jvmOptions = TrustBundle.jvmTrustOptions(config.truststorePassword());
        if (mode == InjectionMode.EXPLICIT) {
            String proxy = "http://127.0.0.1:" + config.proxyPort();
            List<String> noProxy = mergedNoProxy(env);
            String noProxyList = String.join(",", noProxy);
            vars.add(new Var("HTTP_PROXY", proxy));
            vars.add(new Var("HTTPS_PROXY", proxy));
            vars.add(new Var("http_proxy", proxy));
            vars.add(new Var("https_proxy", proxy));
            vars.add(new Var("NO_PROXY", noProxyList));
            vars.add(new Var("no_proxy", noProxyList));
            // Node's built-in fetch ignores HTTP(S)_PROXY unless this is set (Node 24+).
            vars.add(new Var("NODE_USE_ENV_PROXY", "1"));
            // The JVM ignores HTTP(S)_PROXY; its default ProxySelector reads these properties instead.
            jvmOptions = jvmOptions + " " + jvmProxyOptions(noProxy);
        }
        vars.add(new Var("SSL_CERT_FILE", TrustBundle.MERGED_BUNDLE));
        vars.add(new Var("REQUESTS_CA_BUNDLE", TrustBundle.MERGED_BUNDLE));
        vars.add(new Var("CURL_CA_BUNDLE", TrustBundle.MERGED_BUNDLE));
        vars.add(new Var("GIT_SSL_CAINFO", TrustBundle.MERGED_BUNDLE));
        // botocore (AWS CLI, boto3) ships its own roots and reads only this variable.
        vars.add(new Var("AWS_CA_BUNDLE", TrustBundle.MERGED_BUNDLE));
        vars.add(new Var("NODE_EXTRA_CA_CERTS", TrustBundle.PROXY_CA));
        vars.add(new Var(JAVA_TOOL_OPTIONS, jvmOptions));
        return vars;
    }

    /**
     * {@code -Dhttp(s).proxyHost/Port} and {@code -Dhttp.nonProxyHosts} from the NO_PROXY entries the JVM can
     * express: host names and {@code .suffix} entries (as {@code *.suffix}); CIDRs have no JVM equivalent.
     */
    private String jvmProxyOptions(List<String> noProxy) {
        List<String> hosts = new ArrayList<>();
        for (String entry : noProxy) {
            if (entry.contains("/")) {
                continue;
            }
            hosts.add(entry.startsWith(".") ? "*" + entry : entry.contains(":") ? "[" + entry + "]" : entry);
        }
        int port = config.proxyPort();
        return "-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=" + port
                + " -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=" + port
                + " -Dhttp.nonProxyHosts=" + String.join("|", hosts);
    }

    private List<String> mergedNoProxy(JsonNode env) {
        Set<String> entries = new LinkedHashSet<>(List.of(LOCAL_NO_PROXY.split(",")));
        entries.addAll(config.serviceCidrs());
        for (String name : List.of("NO_PROXY", "no_proxy")) {
            int i = indexOf(env, name);
            if (i >= 0 && env.get(i).path("value").isTextual()) {
                for (String entry : env.get(i).get("value").asText().split(",")) {
                    if (!entry.isBlank()) {
                        entries.add(entry.trim());
                    }
                }
            }
        }
        return List.copyOf(entries);
    }

    private static int indexOf(JsonNode env, String name) {
        if (!env.isArray()) {
            return -1;
        }
        for (int i = 0; i < env.size(); i++) {
            if (name.equals(env.get(i).path("name").asText(null))) {
                return i;
            }
        }
        return -1;
    }

    private record Var(String name, String value) {
    }
}
