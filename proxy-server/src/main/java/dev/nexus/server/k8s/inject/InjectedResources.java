package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * The containers and volumes the injector adds to a pod, as Kubernetes JSON. Names are constants so the
 * injector can recognise its own work (idempotency) and refuse pods that already use them for something else.
 */
final class InjectedResources {

    static final String SIDECAR = "nexus-proxy";
    static final String CA_INIT = "nexus-ca-init";
    static final String IPTABLES_INIT = "nexus-iptables-init";
    static final List<String> CONTAINER_NAMES = List.of(SIDECAR, CA_INIT, IPTABLES_INIT);

    static final String CA_SECRET_VOLUME = "nexus-proxy-ca";
    static final String CONFIG_VOLUME = "nexus-proxy-config";
    static final String POLICY_VOLUME = "nexus-policy";
    static final String CA_PRIVATE_VOLUME = "nexus-ca-private";
    static final String ADMIN_TOKEN_VOLUME = "nexus-admin-token";
    static final String TMP_VOLUME = "nexus-tmp";
    static final List<String> VOLUME_NAMES =
            List.of(TrustBundle.VOLUME, CA_SECRET_VOLUME, ADMIN_TOKEN_VOLUME, CA_PRIVATE_VOLUME, CONFIG_VOLUME, POLICY_VOLUME,
                    TMP_VOLUME);

    static final String CONFIG_DIR = "/etc/nexus";
    static final String CONFIG_FILE = CONFIG_DIR + "/config.yaml";
    static final String POLICY_DIR = CONFIG_DIR + "/policy";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final InjectorConfig config;
    private final TransparentRedirect transparent;

    InjectedResources(InjectorConfig config) {
        this.config = config;
        this.transparent = new TransparentRedirect(config);
    }

    /** The volumes, in the order they are added. */
    List<ObjectNode> volumes(PodOptions options) {
        ObjectNode ca = volume(TrustBundle.VOLUME);
        ca.putObject("emptyDir").put("sizeLimit", "16Mi");
        // 0444 inside the volume: only the init step and the sidecar (uid 1337, no fsGroup) mount it.
        ObjectNode secret = volume(CA_SECRET_VOLUME);
        secret.putObject("secret").put("secretName", config.caSecretName()).put("defaultMode", 0444);
        // The admin token guards the sidecar's connection endpoints from the agent that shares its loopback: only
        // the init step mounts the Secret, and copies the token into the private volume below.
        ObjectNode adminToken = volume(ADMIN_TOKEN_VOLUME);
        ObjectNode adminSecret = adminToken.putObject("secret").put("secretName", config.adminTokenSecretName());
        adminSecret.putArray("items").addObject().put("key", config.adminTokenSecretKey()).put("path", TrustBundle.ADMIN_TOKEN_FILE);
        adminSecret.put("defaultMode", 0444);
        // The proxy refuses a CA key (or admin token) others may read, and a Secret file cannot belong to uid
        // 1337: the init step copies the key here, owner-only, in memory.
        ObjectNode caPrivate = volume(CA_PRIVATE_VOLUME);
        caPrivate.putObject("emptyDir").put("medium", "Memory").put("sizeLimit", "1Mi");
        ObjectNode cfg = volume(CONFIG_VOLUME);
        cfg.putObject("configMap").put("name", config.configMapName());
        // Mounted as a directory (never subPath), so ConfigMap updates arrive as the ..data symlink swap
        // the policy reloader watches for.
        ObjectNode policy = volume(POLICY_VOLUME);
        policy.putObject("configMap").put("name", options.policyConfigMap());
        ObjectNode tmp = volume(TMP_VOLUME);
        tmp.putObject("emptyDir").put("sizeLimit", "64Mi");
        return List.of(ca, secret, adminToken, caPrivate, cfg, policy, tmp);
    }

    /** The init step that builds the merged CA bundle and the PKCS12 truststore. Always first. */
    ObjectNode caInitContainer() {
        ObjectNode c = JSON.objectNode();
        c.put("name", CA_INIT);
        c.put("image", config.image());
        c.put("imagePullPolicy", config.imagePullPolicy());
        c.set("command", strings("sh", "-c", TrustBundle.initScript()));
        c.set("env", JSON.arrayNode().add(env(TrustBundle.PASSWORD_ENV, config.truststorePassword())));
        ObjectNode res = c.putObject("resources");
        res.putObject("requests").put("cpu", "10m").put("memory", "64Mi");
        res.putObject("limits").put("memory", "128Mi");
        c.set("securityContext", hardenedSecurityContext());
        c.set("volumeMounts", JSON.arrayNode()
                .add(mount(TrustBundle.VOLUME, TrustBundle.DIR, false))
                .add(mount(CA_SECRET_VOLUME, TrustBundle.SECRET_DIR, true))
                .add(mount(ADMIN_TOKEN_VOLUME, TrustBundle.ADMIN_SECRET_DIR, true))
                .add(mount(CA_PRIVATE_VOLUME, TrustBundle.PRIVATE_DIR, false))
                .add(mount(TMP_VOLUME, "/tmp", false)));
        return c;
    }

    /**
     * The transparent-mode init container: applies the iptables rules and exits. It is the only injected
     * container with privileges, and only NET_ADMIN and NET_RAW (iptables needs both for the nat table).
     */
    ObjectNode iptablesInitContainer() {
        ObjectNode c = JSON.objectNode();
        c.put("name", IPTABLES_INIT);
        c.put("image", config.image());
        c.put("imagePullPolicy", config.imagePullPolicy());
        c.set("command", strings("sh", "-c", transparent.rules().setupScript()));
        ObjectNode res = c.putObject("resources");
        res.putObject("requests").put("cpu", "10m").put("memory", "16Mi");
        res.putObject("limits").put("memory", "64Mi");
        ObjectNode sc = c.putObject("securityContext");
        sc.put("runAsUser", 0);
        sc.put("runAsNonRoot", false);
        sc.put("allowPrivilegeEscalation", false);
        // iptables takes its lock under /run; the container lives for one command.
        sc.put("readOnlyRootFilesystem", false);
        ObjectNode caps = sc.putObject("capabilities");
        caps.set("drop", strings("ALL"));
        caps.set("add", strings("NET_ADMIN", "NET_RAW"));
        return c;
    }

    /**
     * The proxy as a native sidecar: an init container with {@code restartPolicy: Always}. The kubelet
     * starts the app containers only once its startup probe passes and stops it after them.
     */
    ObjectNode sidecarContainer(PodOptions options) {
        ObjectNode c = JSON.objectNode();
        c.put("name", SIDECAR);
        c.put("image", config.image());
        c.put("imagePullPolicy", config.imagePullPolicy());
        c.put("restartPolicy", "Always");
        c.set("args", strings("--config", CONFIG_FILE));
        // The proxy reads its settings from config.yaml only; env vars reach it through ${VAR} references
        // there (transparent mode: the listeners the iptables rules target; extraEnv: the Secrets behind
        // admin.token, the Authority API key, the Redis key).
        ArrayNode env = JSON.arrayNode();
        env.add(env(InjectorConfig.JVM_OPTIONS_ENV, config.jvmOptions()));
        if (options.mode() == InjectionMode.TRANSPARENT) {
            transparent.sidecarEnv().forEach(env::add);
        }
        config.extraEnv().forEach(e -> env.add(e.deepCopy()));
        c.set("env", env);
        ArrayNode ports = c.putArray("ports");
        if (options.mode() == InjectionMode.EXPLICIT) {
            ports.add(port("proxy", config.proxyPort()));
        } else {
            ports.add(port("http-redirect", config.transparentHttpPort()));
            ports.add(port("https-redirect", config.transparentHttpsPort()));
        }
        ports.add(port("admin", config.adminPort()));
        ObjectNode res = c.putObject("resources");
        putAll(res.putObject("requests"), options.requests());
        if (!options.limits().isEmpty()) {
            putAll(res.putObject("limits"), options.limits());
        }
        c.set("startupProbe", probe("/readyz", 1, 60));
        c.set("readinessProbe", probe("/readyz", 5, 3));
        c.set("livenessProbe", probe("/healthz", 10, 3));
        c.set("securityContext", hardenedSecurityContext());
        c.set("volumeMounts", JSON.arrayNode()
                .add(mount(CONFIG_VOLUME, CONFIG_DIR, true))
                .add(mount(POLICY_VOLUME, POLICY_DIR, true))
                .add(mount(CA_SECRET_VOLUME, TrustBundle.SECRET_DIR, true))
                .add(mount(CA_PRIVATE_VOLUME, TrustBundle.PRIVATE_DIR, true))
                .add(mount(TMP_VOLUME, "/tmp", false)));
        return c;
    }

    /** The read-only mount of the trust files added to every app container. */
    static ObjectNode appTrustMount() {
        return mount(TrustBundle.VOLUME, TrustBundle.DIR, true);
    }

    private ObjectNode hardenedSecurityContext() {
        ObjectNode sc = JSON.objectNode();
        sc.put("runAsNonRoot", true);
        sc.put("runAsUser", config.proxyUid());
        sc.put("runAsGroup", config.proxyUid());
        sc.put("readOnlyRootFilesystem", true);
        sc.put("allowPrivilegeEscalation", false);
        sc.putObject("capabilities").set("drop", strings("ALL"));
        sc.putObject("seccompProfile").put("type", "RuntimeDefault");
        return sc;
    }

    private ObjectNode probe(String path, int periodSeconds, int failureThreshold) {
        ObjectNode p = JSON.objectNode();
        p.putObject("httpGet").put("path", path).put("port", config.adminPort());
        p.put("periodSeconds", periodSeconds);
        p.put("timeoutSeconds", 1);
        p.put("failureThreshold", failureThreshold);
        return p;
    }

    private static ObjectNode volume(String name) {
        return JSON.objectNode().put("name", name);
    }

    private static ObjectNode mount(String volume, String path, boolean readOnly) {
        return JSON.objectNode().put("name", volume).put("mountPath", path).put("readOnly", readOnly);
    }

    private static ObjectNode port(String name, int port) {
        return JSON.objectNode().put("name", name).put("containerPort", port).put("protocol", "TCP");
    }

    static ObjectNode env(String name, String value) {
        return JSON.objectNode().put("name", name).put("value", value);
    }

    private static ArrayNode strings(String... values) {
        ArrayNode a = JSON.arrayNode();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    private static void putAll(ObjectNode target, Map<String, String> values) {
        values.forEach(target::put);
    }
}
