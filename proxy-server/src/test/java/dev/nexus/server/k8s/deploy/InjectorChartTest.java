package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.flipkart.zjsonpatch.JsonPatch;
import dev.nexus.server.config.ConfigException;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.k8s.inject.InjectorConfig;
import dev.nexus.server.k8s.inject.PodInjector;
import dev.nexus.server.k8s.inject.WebhookServer;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The injector mode as {@code helm template} renders it: the webhook wiring the API server follows (webhook
 * configuration, Service, container, certificate), the injector.yaml and sidecar config.yaml loaded by the
 * injector's and the proxy's own loaders, and the pods the real injector then produces with them. Each
 * variant is rendered once for the class.
 */
class InjectorChartTest {

    private static final String FULLNAME = HelmChart.RELEASE + "-nexus-proxy";
    private static final String INJECTOR_CONFIG = "/etc/nexus/injector/injector.yaml";

    /** cert-manager with the chart's self-signed Issuer, Redis, sidecar ConfigMaps in two namespaces. */
    private static Manifests selfSigned;
    /** cert-manager with the user's ClusterIssuer, other transparent ports. */
    private static Manifests issuer;
    /** No cert-manager: a pre-created serving certificate Secret and its CA bundle. */
    private static Manifests preCreated;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void render() {
        selfSigned = HelmChart.render(HelmChart.INJECTOR_REQUIRED, """
                redis: {url: "rediss://redis.example.com:6380", encryptionKey: {existingSecret: nexus-redis}}
                injector: {namespaces: [agents, batch]}
                """);
        issuer = HelmChart.render(HelmChart.INJECTOR_REQUIRED, """
                injector:
                  namespaces: [agents]
                  certificate: {certManager: {issuerRef: {name: corp-ca, kind: ClusterIssuer}}}
                  sidecar: {transparent: {httpPort: 16080, httpsPort: 16443}}
                """);
        preCreated = HelmChart.render(HelmChart.INJECTOR_REQUIRED, """
                injector:
                  certificate: {certManager: {enabled: false}, existingSecret: webhook-tls, caBundle: Q0EgYnVuZGxl}
                """);
    }

    @Test
    void rendersTheInjectorObjectsAndOnlyThose() {
        assertThat(selfSigned.ids()).containsExactlyInAnyOrder("Certificate/" + FULLNAME + "-webhook", "ConfigMap/" + FULLNAME + "-injector",
                "ConfigMap/agents/nexus-proxy-sidecar", "ConfigMap/batch/nexus-proxy-sidecar", "Deployment/" + FULLNAME,
                "Issuer/" + FULLNAME + "-selfsigned", "MutatingWebhookConfiguration/" + FULLNAME, "Service/" + FULLNAME,
                "ServiceAccount/" + FULLNAME);
        assertThat(issuer.ids()).doesNotContain("Issuer/" + FULLNAME + "-selfsigned").contains("Certificate/" + FULLNAME + "-webhook");
        assertThat(preCreated.ids()).containsExactlyInAnyOrder("ConfigMap/" + FULLNAME + "-injector", "Deployment/" + FULLNAME,
                "MutatingWebhookConfiguration/" + FULLNAME, "Service/" + FULLNAME, "ServiceAccount/" + FULLNAME);
    }

    @Test
    void everyManifestIsAValidKubernetesObject() {
        for (Manifests variant : List.of(selfSigned, issuer, preCreated)) {
            variant.objects().forEach(KubernetesObjects::strict);
        }
    }

    @Test
    void webhooksReachThePathsAndPortTheInjectWebhookCommandServes() {
        for (Manifests variant : List.of(selfSigned, preCreated)) {
            JsonNode service = variant.one("Service");
            JsonNode container = webhookContainer(variant);
            Map<String, String> paths = new HashMap<>();
            for (JsonNode webhook : variant.one("MutatingWebhookConfiguration").path("webhooks")) {
                JsonNode target = webhook.path("clientConfig").path("service");
                assertThat(target.path("name").asText()).isEqualTo(service.path("metadata").path("name").asText());
                assertThat(target.path("namespace").asText()).isEqualTo(HelmChart.NAMESPACE);
                JsonNode servicePort = servicePort(service, target.path("port").asInt());
                assertThat(containerPort(container, servicePort.path("targetPort").asText())).isEqualTo(argument(container, "--port"));
                paths.put(namespaceOptIn(webhook) ? "namespace label" : "pod annotation", target.path("path").asText());
            }
            assertThat(paths).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "namespace label", WebhookServer.PATH_NAMESPACE, "pod annotation", WebhookServer.PATH_ANNOTATION));
            assertThat(container.path("args").get(0).asText()).isEqualTo("inject-webhook");
            for (String probe : List.of("readinessProbe", "livenessProbe")) {
                JsonNode get = container.path(probe).path("httpGet");
                assertThat(get.path("scheme").asText() + " " + get.path("port").asText() + " " + get.path("path").asText())
                        .isEqualTo("HTTPS webhook /healthz");
            }
            assertThat(service.path("spec").path("selector")).isEqualTo(variant.one("Deployment").path("spec").path("selector").path("matchLabels"));
        }
    }

    @Test
    void neverInjectsTheSystemNamespacesOrItsOwn() {
        for (JsonNode webhook : selfSigned.one("MutatingWebhookConfiguration").path("webhooks")) {
            JsonNode names = webhook.path("namespaceSelector").path("matchExpressions").get(0);
            assertThat(names.path("key").asText()).isEqualTo("kubernetes.io/metadata.name");
            assertThat(names.path("operator").asText()).isEqualTo("NotIn");
            assertThat(names.path("values").toString()).contains("\"kube-system\"", "\"" + HelmChart.NAMESPACE + "\"");
            assertThat(webhook.path("failurePolicy").asText()).isEqualTo("Fail");
            assertThat(webhook.path("rules").get(0).path("resources").toString()).isEqualTo("[\"pods\"]");
        }
    }

    @Test
    void servingCertificateComesFromCertManagerOrThePreCreatedSecret() {
        JsonNode certificate = selfSigned.one("Certificate").path("spec");
        assertThat(webhookTlsSecret(selfSigned)).isEqualTo(certificate.path("secretName").asText());
        assertThat(certificate.path("dnsNames").get(0).asText()).isEqualTo(FULLNAME + "." + HelmChart.NAMESPACE + ".svc");
        assertThat(certificate.path("issuerRef").path("name").asText()).isEqualTo(FULLNAME + "-selfsigned");
        assertThat(selfSigned.one("MutatingWebhookConfiguration").path("metadata").path("annotations").path("cert-manager.io/inject-ca-from").asText())
                .isEqualTo(HelmChart.NAMESPACE + "/" + selfSigned.one("Certificate").path("metadata").path("name").asText());
        for (JsonNode webhook : selfSigned.one("MutatingWebhookConfiguration").path("webhooks")) {
            assertThat(webhook.path("clientConfig").has("caBundle")).as("cert-manager's CA injector fills it").isFalse();
        }

        JsonNode issuerRef = issuer.one("Certificate").path("spec").path("issuerRef");
        assertThat(issuerRef.path("name").asText() + "/" + issuerRef.path("kind").asText()).isEqualTo("corp-ca/ClusterIssuer");

        assertThat(webhookTlsSecret(preCreated)).isEqualTo("webhook-tls");
        assertThat(preCreated.one("MutatingWebhookConfiguration").path("metadata").has("annotations")).isFalse();
        for (JsonNode webhook : preCreated.one("MutatingWebhookConfiguration").path("webhooks")) {
            assertThat(webhook.path("clientConfig").path("caBundle").asText()).isEqualTo("Q0EgYnVuZGxl");
        }
    }

    @Test
    void renderedInjectorYamlLoadsWithTheInjectorsLoaderAndSetsEveryField() throws IOException {
        JsonNode document = SchemaValidation.YAML.readTree(injectorYaml(selfSigned));
        TreeSet<String> fields = new TreeSet<>();
        document.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).isEqualTo(new TreeSet<>(InjectorConfig.FIELDS));

        InjectorConfig config = injectorConfig(selfSigned);
        assertThat(config.image()).isEqualTo("ghcr.io/nexus-dev/nexus-proxy:0.1.0");
        assertThat(config.caSecretName()).isEqualTo("nexus-proxy-ca");
        assertThat(config.configMapName()).isEqualTo("nexus-proxy-sidecar");
        assertThat(config.proxyUid()).isEqualTo(1337);
        assertThat(config.adminTokenSecretName() + "/" + config.adminTokenSecretKey()).isEqualTo("nexus-admin/admin-token");
        assertThat(ContainerEnvironment.secretReferences(SchemaValidation.YAML.valueToTree(config.extraEnv()))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "NEXUS_AUTHORITY_API_KEY", "nexus-authority/api-key",
                "NEXUS_REDIS_ENCRYPTION_KEY", "nexus-redis/encryption-key"));

        assertThat(injectorConfig(issuer).transparentHttpPort()).isEqualTo(16080);
        assertThat(injectorConfig(preCreated).extraEnv()).hasSize(1);
    }

    @Test
    void theChartsSidecarJvmProfileAndResourcesAreTheInjectorsOwnDefaults() throws IOException {
        InjectorConfig config = injectorConfig(selfSigned);
        InjectorConfig defaults = InjectorConfig.defaults();
        assertThat(config.jvmOptions()).isEqualTo(defaults.jvmOptions()).isEqualTo(InjectorConfig.SIDECAR_JVM_OPTIONS);
        assertThat(config.requests()).isEqualTo(defaults.requests());
        assertThat(config.limits()).isEqualTo(defaults.limits()).containsEntry("memory", InjectorConfig.SIDECAR_MEMORY_LIMIT);
    }

    @Test
    void sidecarConfigMapsAreCreatedInTheListedNamespacesUnderTheNameTheInjectorMounts() throws IOException {
        InjectorConfig config = injectorConfig(selfSigned);
        List<String> namespaces = new ArrayList<>();
        for (JsonNode configMap : selfSigned.all("ConfigMap")) {
            if (configMap.path("metadata").has("namespace")) {
                assertThat(configMap.path("metadata").path("name").asText()).isEqualTo(config.configMapName());
                namespaces.add(configMap.path("metadata").path("namespace").asText());
            }
        }
        assertThat(namespaces).containsExactly("agents", "batch");
    }

    @Test
    void injectedPodIsValidAndItsSidecarLoadsTheChartsConfigWithTransparentListenersOff() throws Exception {
        for (Manifests variant : List.of(selfSigned, issuer)) {
            JsonNode pod = injectedPod(variant, "explicit");
            Pod typed = (Pod) KubernetesObjects.strict(pod);
            assertThat(typed.getSpec().getInitContainers()).extracting(c -> c.getName()).contains("nexus-proxy");

            JsonNode sidecar = sidecar(pod);
            NexusConfig config = sidecarConfig(variant, sidecar);
            InjectorConfig injector = injectorConfig(variant);
            assertThat(config.listen().address()).as("in a pod only its own containers are clients").isEqualTo("127.0.0.1");
            assertThat(config.listen().port()).isEqualTo(injector.proxyPort());
            assertThat(config.admin().port()).as("the sidecar's probes call the admin port").isEqualTo(injector.adminPort());
            assertThat(sidecar.path("readinessProbe").path("httpGet").path("port").asInt()).isEqualTo(config.admin().port());
            assertThat(config.transparent().http().enabled()).isFalse();
            assertThat(config.transparent().tls().enabled()).isFalse();
            assertThat(config.tls().leafCacheSize()).as("what the sidecar's memory budget counts (JvmProfilesTest)")
                    .isEqualTo(64);
        }
    }

    /**
     * The admin token guards the sidecar's connection endpoints from the agent on the same loopback: the sidecar
     * reads it from its private memory volume, filled by the init step, the only container that mounts the
     * Secret; no agent container mounts either volume or sees the token in its environment.
     */
    @Test
    void theAdminTokenReachesTheSidecarFromItsSecretAndNeverTheAgent() throws Exception {
        for (String mode : List.of("explicit", "transparent")) {
            JsonNode pod = injectedPod(selfSigned, mode);
            JsonNode spec = pod.path("spec");
            JsonNode sidecar = sidecar(pod);
            NexusConfig config = sidecarConfig(selfSigned, sidecar);
            assertThat(config.admin().token()).as("no token in the config or the environment").isEmpty();

            MountedFiles.Source tokenFile = new MountedFiles(spec, sidecar).resolve(config.admin().tokenFile().toString());
            assertThat(tokenFile.volume().path("emptyDir").path("medium").asText()).isEqualTo("Memory");
            JsonNode init = named(spec.path("initContainers"), "nexus-ca-init");
            MountedFiles.Source copiedFrom = new MountedFiles(spec, init).resolve("/etc/nexus/admin/admin-token");
            assertThat(copiedFrom.objectName()).contains("nexus-admin");
            assertThat(copiedFrom.volume().path("secret").path("items").get(0).path("key").asText()).isEqualTo("admin-token");
            assertThat(init.path("command").get(2).asText())
                    .contains("cp /etc/nexus/admin/admin-token " + config.admin().tokenFile());
            assertThat(new MountedFiles(spec, init).resolve(config.admin().tokenFile().toString()).volume())
                    .isEqualTo(tokenFile.volume());

            String secretVolume = copiedFrom.volume().path("name").asText();
            String privateVolume = tokenFile.volume().path("name").asText();
            for (JsonNode container : spec.path("containers")) {
                assertThat(container.path("volumeMounts").findValuesAsText("name")).as(container.path("name").asText())
                        .doesNotContain(secretVolume, privateVolume);
                assertThat(container.path("env").toString()).doesNotContain("nexus-admin");
            }
            assertThat(sidecar.path("volumeMounts").findValuesAsText("name")).doesNotContain(secretVolume);
            assertThat(sidecar.path("env").toString()).doesNotContain("nexus-admin");
        }
    }

    @Test
    void transparentSidecarListensExactlyWhereTheInjectedRulesRedirect() throws Exception {
        for (Manifests variant : List.of(selfSigned, issuer)) {
            JsonNode pod = injectedPod(variant, "transparent");
            KubernetesObjects.strict(pod);
            String rules = named(pod.path("spec").path("initContainers"), "nexus-iptables-init").path("command").get(2).asText();
            NexusConfig config = sidecarConfig(variant, sidecar(pod));
            for (NexusConfig.TransparentListener listener : List.of(config.transparent().http(), config.transparent().tls())) {
                assertThat(listener.enabled()).isTrue();
                assertThat(listener.addresses()).as("the default: 127.0.0.1 and ::1, where REDIRECT delivers IPv4 and IPv6")
                        .isEmpty();
                for (String tool : List.of("iptables", "ip6tables")) {
                    assertThat(rules).contains(tool + " -t nat -A NEXUS_OUTPUT -p tcp --dport " + listener.originalPort()
                            + " -j REDIRECT --to-ports " + listener.port() + "\n");
                }
            }
            assertThat(config.transparent().http().port()).isEqualTo(injectorConfig(variant).transparentHttpPort());
        }
        assertThat(sidecarConfig(issuer, sidecar(injectedPod(issuer, "transparent"))).transparent().tls().port()).isEqualTo(16443);
    }

    @Test
    void webhookPodRunsNonRootWithAReadOnlyRootAndNoCapabilities() {
        JsonNode pod = selfSigned.one("Deployment").path("spec").path("template").path("spec");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        pod.path("containers").forEach(GatewayChartTest::assertLockedDown);
    }

    private static JsonNode webhookContainer(Manifests manifests) {
        JsonNode containers = manifests.one("Deployment").path("spec").path("template").path("spec").path("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static String webhookTlsSecret(Manifests manifests) {
        JsonNode pod = manifests.one("Deployment").path("spec").path("template").path("spec");
        MountedFiles files = new MountedFiles(pod, webhookContainer(manifests));
        MountedFiles.Source cert = files.resolve(argument(webhookContainer(manifests), "--cert"));
        assertThat(files.resolve(argument(webhookContainer(manifests), "--key")).volume()).isEqualTo(cert.volume());
        return cert.objectName().orElseThrow();
    }

    private static String injectorYaml(Manifests manifests) {
        JsonNode container = webhookContainer(manifests);
        assertThat(argument(container, "--config")).isEqualTo(INJECTOR_CONFIG);
        JsonNode pod = manifests.one("Deployment").path("spec").path("template").path("spec");
        MountedFiles.Source source = new MountedFiles(pod, container).resolve(INJECTOR_CONFIG);
        return manifests.named("ConfigMap", source.objectName().orElseThrow()).path("data").path(source.relativePath()).asText();
    }

    private static InjectorConfig injectorConfig(Manifests manifests) throws IOException {
        return InjectorConfig.load(Files.writeString(Files.createTempFile(tmp, "injector", ".yaml"), injectorYaml(manifests)));
    }

    /** A bare agent pod annotated for {@code mode}, after the real injector configured by the chart patched it. */
    private static JsonNode injectedPod(Manifests manifests, String mode) throws IOException {
        JsonNode pod = SchemaValidation.YAML.readTree("""
                apiVersion: v1
                kind: Pod
                metadata: {name: agent, namespace: agents, annotations: {nexus.dev/inject: "true", nexus.dev/mode: %s}}
                spec: {containers: [{name: agent, image: registry.example.com/agent:1}]}
                """.formatted(mode));
        PodInjector.Result result = new PodInjector(injectorConfig(manifests)).inject(pod, false);
        assertThat(result).isInstanceOf(PodInjector.Result.Patched.class);
        return JsonPatch.apply(((PodInjector.Result.Patched) result).patch(), pod);
    }

    private static JsonNode sidecar(JsonNode pod) {
        return named(pod.path("spec").path("initContainers"), "nexus-proxy");
    }

    /** The sidecar's config.yaml from the chart's ConfigMap in the pod's namespace, with the sidecar's environment. */
    private static NexusConfig sidecarConfig(Manifests manifests, JsonNode sidecar) throws IOException, ConfigException {
        String configPath = argument(sidecar, "--config");
        String text = null;
        for (JsonNode configMap : manifests.all("ConfigMap")) {
            if (configMap.path("metadata").path("namespace").asText().equals("agents")) {
                text = configMap.path("data").path(Path.of(configPath).getFileName().toString()).asText();
            }
        }
        assertThat(text).as("the chart's sidecar ConfigMap in namespace agents holds " + configPath).isNotBlank();
        Map<String, String> env = ContainerEnvironment.of(sidecar.path("env"));
        return new ConfigLoader(env::get).load(Files.writeString(Files.createTempFile(tmp, "sidecar", ".yaml"), text));
    }

    private static boolean namespaceOptIn(JsonNode webhook) {
        for (JsonNode expression : webhook.path("namespaceSelector").path("matchExpressions")) {
            if (expression.path("key").asText().equals("nexus.dev/inject")) {
                return expression.path("operator").asText().equals("In");
            }
        }
        throw new AssertionError("webhook " + webhook.path("name").asText() + " has no nexus.dev/inject selector");
    }

    private static JsonNode servicePort(JsonNode service, int port) {
        for (JsonNode candidate : service.path("spec").path("ports")) {
            if (candidate.path("port").asInt() == port) {
                return candidate;
            }
        }
        throw new AssertionError("the Service has no port " + port);
    }

    private static String containerPort(JsonNode container, String name) {
        for (JsonNode port : container.path("ports")) {
            if (port.path("name").asText().equals(name)) {
                return port.path("containerPort").asText();
            }
        }
        throw new AssertionError("the container has no port named " + name);
    }

    /** The value after {@code flag} in the container's args. */
    private static String argument(JsonNode container, String flag) {
        JsonNode args = container.path("args");
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).asText().equals(flag)) {
                return args.get(i + 1).asText();
            }
        }
        throw new AssertionError(container.path("name").asText() + " has no " + flag + " argument: " + args);
    }

    private static JsonNode named(JsonNode array, String name) {
        for (JsonNode item : array) {
            if (item.path("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError("no element named " + name + " in " + array);
    }
}
