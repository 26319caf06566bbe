package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.server.config.ConfigException;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway mode as {@code helm template} renders it, read the way a platform engineer reviews it: which
 * objects, whether their selectors and ports line up, whether the rendered config and policy load in the
 * proxy itself with the environment and files the pod gives it, and whether every manifest is a valid
 * Kubernetes object. Each variant is rendered once for the class.
 */
class GatewayChartTest {

    private static final String FULLNAME = HelmChart.RELEASE + "-nexus-proxy";
    private static final String REDIS = FULLNAME + "-redis";
    private static final String PROXY_CONFIG = "/etc/nexus/config.yaml";

    /** The defaults with the file credential source: HPA, PDB and NetworkPolicy on, no ServiceMonitor. */
    private static Manifests defaults;
    /** An Authority, an external Redis, the ServiceMonitor, scrapers by CIDR and an inline policy with a route. */
    private static Manifests full;
    /** The optional objects off, the Redis URL from a Secret, a policy ConfigMap of the user's, no ServiceAccount. */
    private static Manifests lean;
    /** The chart's own Redis with a password, behind its NetworkPolicy. */
    private static Manifests withRedis;
    /** The chart's own Redis without a password, NetworkPolicies off. */
    private static Manifests withOpenRedis;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void render() {
        defaults = HelmChart.render(HelmChart.GATEWAY_REQUIRED);
        full = HelmChart.render(HelmChart.GATEWAY_REQUIRED, """
                authority: {url: "https://authority.example.com", apiKey: {existingSecret: nexus-authority}}
                redis: {url: "rediss://redis.example.com:6380", encryptionKey: {existingSecret: nexus-redis}}
                gateway:
                  serviceMonitor: {enabled: true, labels: {release: prometheus}}
                  networkPolicy: {metricsCidrs: [10.42.0.0/16]}
                policy:
                  inline: |
                    version: 1
                    defaults: {action: deny}
                    routes:
                      - name: github
                        match: {hosts: [api.github.com]}
                        action: inject
                        connection: github
                """);
        lean = HelmChart.render(HelmChart.GATEWAY_REQUIRED, """
                serviceAccount: {create: false}
                redis: {existingSecret: nexus-redis-url, encryptionKey: {existingSecret: nexus-redis}}
                policy: {existingConfigMap: team-policy}
                gateway:
                  replicaCount: 3
                  autoscaling: {enabled: false}
                  podDisruptionBudget: {enabled: false}
                  networkPolicy: {enabled: false}
                """);
        withRedis = HelmChart.render(HelmChart.GATEWAY_REQUIRED, """
                redis: {deploy: {enabled: true, auth: {existingSecret: nexus-redis-auth}}, encryptionKey: {existingSecret: nexus-redis}}
                """);
        withOpenRedis = HelmChart.render(HelmChart.GATEWAY_REQUIRED, """
                redis: {deploy: {enabled: true}, encryptionKey: {existingSecret: nexus-redis}}
                gateway: {networkPolicy: {enabled: false}}
                """);
    }

    @Test
    void rendersTheGatewayObjectsAndOnlyThose() {
        assertThat(defaults.ids()).containsExactlyInAnyOrder("ConfigMap/" + FULLNAME + "-config", "ConfigMap/" + FULLNAME + "-policy",
                "Deployment/" + FULLNAME, "HorizontalPodAutoscaler/" + FULLNAME, "NetworkPolicy/" + FULLNAME,
                "PodDisruptionBudget/" + FULLNAME, "Service/" + FULLNAME, "ServiceAccount/" + FULLNAME);
        assertThat(full.ids()).contains("ServiceMonitor/" + FULLNAME).hasSize(9);
        assertThat(lean.ids()).containsExactlyInAnyOrder("ConfigMap/" + FULLNAME + "-config", "Deployment/" + FULLNAME,
                "Service/" + FULLNAME);
        assertThat(withRedis.ids()).containsAll(defaults.ids())
                .contains("Deployment/" + REDIS, "Service/" + REDIS, "NetworkPolicy/" + REDIS).hasSize(defaults.ids().size() + 3);
        assertThat(withOpenRedis.ids()).contains("Deployment/" + REDIS, "Service/" + REDIS).doesNotContain("NetworkPolicy/" + REDIS);
    }

    @Test
    void everyManifestIsAValidKubernetesObject() {
        for (Manifests variant : List.of(defaults, full, lean, withRedis, withOpenRedis)) {
            variant.objects().forEach(KubernetesObjects::strict);
        }
    }

    @Test
    void serviceDisruptionBudgetAutoscalerAndNetworkPolicySelectTheDeploymentsPods() {
        JsonNode deployment = full.named("Deployment", FULLNAME);
        JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
        assertThat(labelsMatch(selector, deployment.path("spec").path("template").path("metadata").path("labels"))).isTrue();

        assertThat(full.one("Service").path("spec").path("selector")).isEqualTo(selector);
        assertThat(full.one("PodDisruptionBudget").path("spec").path("selector").path("matchLabels")).isEqualTo(selector);
        assertThat(full.one("NetworkPolicy").path("spec").path("podSelector").path("matchLabels")).isEqualTo(selector);
        JsonNode target = full.one("HorizontalPodAutoscaler").path("spec").path("scaleTargetRef");
        assertThat(List.of(target.path("apiVersion").asText(), target.path("kind").asText(), target.path("name").asText()))
                .containsExactly("apps/v1", "Deployment", FULLNAME);
        // A ServiceMonitor selects Services, not pods.
        assertThat(labelsMatch(full.one("ServiceMonitor").path("spec").path("selector").path("matchLabels"),
                full.one("Service").path("metadata").path("labels"))).isTrue();
        // The gateway's selector tells it apart from an injector release of the same name.
        assertThat(selector.path("app.kubernetes.io/component").asText()).isEqualTo("gateway");
    }

    @Test
    void theAutoscalerOwnsTheReplicaCountWhenItIsOn() {
        assertThat(defaults.one("Deployment").path("spec").has("replicas")).isFalse();
        assertThat(defaults.one("HorizontalPodAutoscaler").path("spec").path("minReplicas").asInt()).isEqualTo(2);
        assertThat(lean.one("Deployment").path("spec").path("replicas").asInt()).isEqualTo(3);
    }

    @Test
    void renderedConfigLoadsInTheProxyWithTheEnvironmentThePodGives() throws IOException, ConfigException {
        for (Manifests variant : List.of(defaults, full, lean, withRedis, withOpenRedis)) {
            NexusConfig config = proxyConfig(variant);
            assertThat(config.admin().token()).as("the token is read from a file, never from the environment").isEmpty();
            assertThat(config.listen().address()).isEqualTo("0.0.0.0");
        }
        NexusConfig file = proxyConfig(defaults);
        assertThat(file.authority().type()).isEqualTo(NexusConfig.AuthorityType.FILE);
        assertThat(file.tls().leafCacheSize()).as("the default the gateway's memory budget counts (JvmProfilesTest)")
                .isEqualTo(1_000);
        assertThat(file.redis().url()).isEmpty();

        NexusConfig authority = proxyConfig(full);
        assertThat(authority.authority().type()).isEqualTo(NexusConfig.AuthorityType.NEXUS);
        assertThat(authority.authority().nexus().url()).hasValueSatisfying(url -> assertThat(url).hasHost("authority.example.com"));
        assertThat(authority.authority().nexus().apiKey()).isPresent();
        assertThat(authority.redis().url()).hasValueSatisfying(url -> assertThat(url.reveal()).isEqualTo("rediss://redis.example.com:6380"));
        assertThat(authority.redis().encryptionKeys()).containsOnlyKeys("k1");

        assertThat(proxyConfig(lean).redis().url()).as("the URL from its Secret").isPresent();
    }

    @Test
    void containerAndProbePortsAreTheOnesTheRenderedConfigListensOn() throws IOException, ConfigException {
        NexusConfig config = proxyConfig(full);
        JsonNode container = proxyContainer(full);
        Map<String, Integer> ports = containerPorts(container);
        assertThat(ports).containsExactlyInAnyOrderEntriesOf(Map.of("proxy", config.listen().port(), "admin", config.admin().port()));

        assertThat(probe(container, "startupProbe")).isEqualTo("admin /readyz");
        assertThat(probe(container, "readinessProbe")).isEqualTo("admin /readyz");
        assertThat(probe(container, "livenessProbe")).isEqualTo("admin /healthz");

        for (JsonNode servicePort : full.one("Service").path("spec").path("ports")) {
            assertThat(ports).as("Service port " + servicePort.path("name").asText()).containsKey(servicePort.path("targetPort").asText());
        }
        List<String> allowed = new ArrayList<>();
        for (JsonNode rule : full.one("NetworkPolicy").path("spec").path("ingress")) {
            rule.path("ports").forEach(port -> allowed.add(port.path("port").asText()));
        }
        assertThat(allowed).containsExactlyInAnyOrder("proxy", "admin");
        assertThat(ports).containsKeys(allowed.toArray(String[]::new));
    }

    @Test
    void scrapersReachOnlyTheAdminPortAndTheServiceMonitorAuthenticates() {
        JsonNode ingress = full.one("NetworkPolicy").path("spec").path("ingress");
        JsonNode adminRule = ingress.get(1);
        assertThat(adminRule.path("ports").get(0).path("port").asText()).isEqualTo("admin");
        assertThat(adminRule.path("from").findValuesAsText("cidr")).containsExactly("10.42.0.0/16");
        assertThat(ingress.get(0).path("from").get(0).path("namespaceSelector").path("matchLabels").path("nexus.dev/egress").asText())
                .isEqualTo("allowed");

        JsonNode endpoint = full.one("ServiceMonitor").path("spec").path("endpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo("admin");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        JsonNode credentials = endpoint.path("authorization").path("credentials");
        assertThat(credentials.path("name").asText() + "/" + credentials.path("key").asText()).isEqualTo("nexus-admin/admin-token");
        assertThat(full.one("ServiceMonitor").path("metadata").path("labels").path("release").asText()).isEqualTo("prometheus");
    }

    @Test
    void secretsReachTheProxyOnlyAsSecretReferences() {
        assertThat(ContainerEnvironment.secretReferences(proxyContainer(full).path("env"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "NEXUS_AUTHORITY_API_KEY", "nexus-authority/api-key",
                "NEXUS_REDIS_ENCRYPTION_KEY", "nexus-redis/encryption-key"));
        assertThat(ContainerEnvironment.secretReferences(proxyContainer(lean).path("env"))).containsEntry("NEXUS_REDIS_URL", "nexus-redis-url/redis-url");
        // The config only references them; their values never pass through Helm.
        assertThat(full.named("ConfigMap", FULLNAME + "-config").path("data").path("config.yaml").asText())
                .contains("api_key: \"${NEXUS_AUTHORITY_API_KEY}\"",
                        "k1: \"${NEXUS_REDIS_ENCRYPTION_KEY}\"");
    }

    @Test
    void everyFileTheConfigNamesIsMountedFromTheRightObject() throws IOException, ConfigException {
        for (Manifests variant : List.of(defaults, full, lean)) {
            JsonNode pod = variant.one("Deployment").path("spec").path("template").path("spec");
            MountedFiles files = new MountedFiles(pod, proxyContainer(variant));
            NexusConfig config = proxyConfig(variant);

            String policyConfigMap = variant == lean ? "team-policy" : FULLNAME + "-policy";
            assertThat(files.resolve(config.policy().path().orElseThrow().toString()).objectName()).contains(policyConfigMap);
            assertThat(files.resolve(config.tls().caCert().orElseThrow().toString()).objectName()).contains("nexus-proxy-ca");
            if (config.authority().type() == NexusConfig.AuthorityType.FILE) {
                MountedFiles.Source credentials = files.resolve(config.authority().file().path().toString());
                assertThat(credentials.objectName()).contains("nexus-credentials");
                assertThat(credentials.relativePath()).isEqualTo("credentials.yaml");
            }
            // The CA key is a private copy the init container makes from the CA Secret into a memory volume.
            MountedFiles.Source caKey = files.resolve(config.tls().caKey().orElseThrow().toString());
            assertThat(caKey.volume().path("emptyDir").path("medium").asText()).isEqualTo("Memory");
            JsonNode init = pod.path("initContainers").get(0);
            assertThat(new MountedFiles(pod, init).resolve("/etc/nexus/private/tls.key").volume()).isEqualTo(caKey.volume());
            assertThat(new MountedFiles(pod, init).resolve("/etc/nexus/ca/tls.key").objectName()).contains("nexus-proxy-ca");
            // So is the admin token, from its Secret, which only the init container mounts.
            MountedFiles.Source adminToken = files.resolve(config.admin().tokenFile().toString());
            assertThat(adminToken.volume()).isEqualTo(caKey.volume());
            MountedFiles.Source tokenSecret = new MountedFiles(pod, init).resolve("/etc/nexus/admin/admin-token");
            assertThat(tokenSecret.objectName()).contains("nexus-admin");
            assertThat(init.path("command").get(2).asText()).contains("cp /etc/nexus/admin/admin-token " + config.admin().tokenFile());
            assertThat(proxyContainer(variant).path("volumeMounts").findValuesAsText("name"))
                    .doesNotContain(tokenSecret.volume().path("name").asText());
        }
    }

    @Test
    void policyMountedAsADirectorySoLiveReloadSeesConfigMapUpdates() {
        JsonNode container = proxyContainer(full);
        for (JsonNode mount : container.path("volumeMounts")) {
            assertThat(mount.has("subPath")).as(mount.path("name").asText() + " without subPath").isFalse();
        }
    }

    @Test
    void renderedPolicyLoadsWithThePolicyLoader() {
        assertThat(policy(defaults).routeCount()).as("the default: deny everything").isZero();
        assertThat(policy(full).routeCount()).isEqualTo(1);
    }

    @Test
    void podsRunNonRootWithAReadOnlyRootAndNoCapabilities() {
        for (Manifests variant : List.of(defaults, full, lean)) {
            JsonNode pod = variant.one("Deployment").path("spec").path("template").path("spec");
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
            assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
            assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
            List<JsonNode> containers = new ArrayList<>();
            pod.path("initContainers").forEach(containers::add);
            pod.path("containers").forEach(containers::add);
            assertThat(containers).hasSize(2).allSatisfy(GatewayChartTest::assertLockedDown);
        }
        assertThat(defaults.one("ServiceAccount").path("automountServiceAccountToken").asBoolean(true)).isFalse();
    }

    @Test
    void deployedRedisIsSelectedByItsServiceAndReachableOnlyFromTheGateway() {
        JsonNode deployment = withRedis.named("Deployment", REDIS);
        JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
        assertThat(labelsMatch(selector, deployment.path("spec").path("template").path("metadata").path("labels"))).isTrue();
        assertThat(selector.path("app.kubernetes.io/component").asText()).isEqualTo("redis");
        JsonNode service = withRedis.named("Service", REDIS);
        assertThat(service.path("spec").path("selector")).isEqualTo(selector);
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("redis");
        assertThat(containerPorts(redisContainer(withRedis))).containsOnlyKeys("redis");

        // Neither workload's Service or policies pick up the other's pods.
        JsonNode gateway = withRedis.named("Deployment", FULLNAME);
        JsonNode gatewaySelector = gateway.path("spec").path("selector").path("matchLabels");
        assertThat(labelsMatch(gatewaySelector, deployment.path("spec").path("template").path("metadata").path("labels"))).isFalse();
        assertThat(labelsMatch(selector, gateway.path("spec").path("template").path("metadata").path("labels"))).isFalse();

        JsonNode policy = withRedis.named("NetworkPolicy", REDIS).path("spec");
        assertThat(policy.path("podSelector").path("matchLabels")).isEqualTo(selector);
        assertThat(policy.path("policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
        assertThat(policy.has("egress")).as("no egress at all").isFalse();
        JsonNode ingress = policy.path("ingress");
        assertThat(ingress).hasSize(1);
        assertThat(ingress.get(0).path("ports").get(0).path("port").asText()).isEqualTo("redis");
        assertThat(ingress.get(0).path("from")).hasSize(1);
        JsonNode from = ingress.get(0).path("from").get(0);
        assertThat(from.has("namespaceSelector")).as("the release namespace only").isFalse();
        assertThat(from.path("podSelector").path("matchLabels")).isEqualTo(gatewaySelector);
    }

    @Test
    void proxyConfigPointsAtTheDeployedRedisService() throws IOException, ConfigException {
        JsonNode servicePort = withRedis.named("Service", REDIS).path("spec").path("ports").get(0);
        for (Manifests variant : List.of(withRedis, withOpenRedis)) {
            var redis = proxyConfig(variant).redis();
            URI url = URI.create(redis.url().orElseThrow().reveal());
            assertThat(url.getScheme()).isEqualTo("redis");
            assertThat(url.getHost()).isEqualTo(REDIS + "." + HelmChart.NAMESPACE + ".svc");
            assertThat(url.getPort()).isEqualTo(servicePort.path("port").asInt());
            assertThat(redis.encryptionKeys()).containsOnlyKeys("k1");
        }
        // The password comes from the Secret Redis requires it from, never from the manifest.
        assertThat(URI.create(proxyConfig(withRedis).redis().url().orElseThrow().reveal()).getUserInfo())
                .isEqualTo(":" + ContainerEnvironment.of(proxyContainer(withRedis).path("env")).get("NEXUS_REDIS_PASSWORD"));
        assertThat(ContainerEnvironment.secretReferences(proxyContainer(withRedis).path("env")))
                .containsEntry("NEXUS_REDIS_PASSWORD", "nexus-redis-auth/redis-password")
                .containsEntry("NEXUS_REDIS_ENCRYPTION_KEY", "nexus-redis/encryption-key")
                .doesNotContainKey("NEXUS_REDIS_URL");
        assertThat(ContainerEnvironment.secretReferences(redisContainer(withRedis).path("env"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "REDIS_PASSWORD", "nexus-redis-auth/redis-password", "REDISCLI_AUTH", "nexus-redis-auth/redis-password"));
        assertThat(URI.create(proxyConfig(withOpenRedis).redis().url().orElseThrow().reveal()).getUserInfo()).isNull();
        assertThat(redisContainer(withOpenRedis).has("env")).isFalse();
    }

    @Test
    void deployedRedisIsOneLockedDownCacheWithoutPersistence() {
        for (Manifests variant : List.of(withRedis, withOpenRedis)) {
            JsonNode spec = variant.named("Deployment", REDIS).path("spec");
            assertThat(spec.path("replicas").asInt()).isEqualTo(1);
            assertThat(spec.path("strategy").path("type").asText()).as("never two at once").isEqualTo("Recreate");
            JsonNode pod = spec.path("template").path("spec");
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
            assertThat(pod.path("securityContext").path("runAsUser").asInt()).isPositive();
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            assertThat(pod.path("volumes").findValues("persistentVolumeClaim")).isEmpty();
            JsonNode container = redisContainer(variant);
            assertLockedDown(container);
            assertThat(container.path("image").asText()).isEqualTo("redis:7-alpine");
            assertThat(container.path("resources").path("limits").path("memory").asText()).isEqualTo("128Mi");
            assertThat(container.path("readinessProbe").path("exec").path("command").toString()).contains("redis-cli", "PONG");
            assertThat(container.path("livenessProbe").path("tcpSocket").path("port").asText()).isEqualTo("redis");
            // Read-only root: Redis's working directory (the image's /data) is an emptyDir.
            assertThat(new MountedFiles(pod, container).resolve("/data/dump.rdb").volume().has("emptyDir")).isTrue();
            assertThat(redisArgs(container)).containsSubsequence("--save", "").containsSubsequence("--appendonly", "no");
        }
        assertThat(redisContainer(withOpenRedis).path("command").toString()).isEqualTo("[\"redis-server\"]");
        assertThat(redisContainer(withRedis).path("command").get(0).asText()).isEqualTo("sh");
        assertThat(redisArgs(redisContainer(withRedis))).isEqualTo(redisArgs(redisContainer(withOpenRedis)));
    }

    @Test
    void redisSevenAcceptsTheDeployedRedisArguments() {
        // spawnOwned binds loopback on a free port; the rendered arguments come after its own and override them.
        try (RedisServers.OwnedRedis redis = RedisServers.spawnOwned(redisArgs(redisContainer(withOpenRedis)).toArray(String[]::new))) {
            assertThat(redis.command("INFO server")).contains("redis_version:7.");
            assertThat(redis.command("INFO memory")).contains("maxmemory:" + 96 * 1024 * 1024, "maxmemory_policy:allkeys-lru");
            assertThat(redis.command("INFO persistence")).contains("aof_enabled:0");
        }
    }

    static void assertLockedDown(JsonNode container) {
        JsonNode security = container.path("securityContext");
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(container.path("name") + " read-only root").isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as(container.path("name") + " no escalation").isFalse();
        assertThat(security.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(security.path("capabilities").has("add")).isFalse();
    }

    private static JsonNode redisContainer(Manifests manifests) {
        JsonNode containers = manifests.named("Deployment", REDIS).path("spec").path("template").path("spec").path("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static List<String> redisArgs(JsonNode container) {
        List<String> args = new ArrayList<>();
        container.path("args").forEach(arg -> args.add(arg.asText()));
        return args;
    }

    private static JsonNode proxyContainer(Manifests manifests) {
        JsonNode containers = manifests.named("Deployment", FULLNAME).path("spec").path("template").path("spec").path("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** The config.yaml the proxy container's --config names, loaded by the proxy's own loader. */
    private static NexusConfig proxyConfig(Manifests manifests) throws IOException, ConfigException {
        JsonNode container = proxyContainer(manifests);
        assertThat(container.path("args").toString()).isEqualTo("[\"--config\",\"" + PROXY_CONFIG + "\"]");
        JsonNode pod = manifests.named("Deployment", FULLNAME).path("spec").path("template").path("spec");
        MountedFiles.Source source = new MountedFiles(pod, container).resolve(PROXY_CONFIG);
        String text = manifests.named("ConfigMap", source.objectName().orElseThrow()).path("data").path(source.relativePath()).asText();
        Map<String, String> env = ContainerEnvironment.of(container.path("env"));
        return new ConfigLoader(env::get).load(Files.writeString(Files.createTempFile(tmp, "config", ".yaml"), text));
    }

    private static LoadResult policy(Manifests manifests) {
        List<SourceFile> files = new ArrayList<>();
        manifests.named("ConfigMap", FULLNAME + "-policy").path("data").properties()
                .forEach(e -> files.add(new SourceFile(e.getKey(), e.getValue().asText())));
        LoadResult result = PolicyLoader.load(files);
        assertThat(result.errors()).isEmpty();
        assertThat(result.ok()).isTrue();
        return result;
    }

    private static Map<String, Integer> containerPorts(JsonNode container) {
        Map<String, Integer> ports = new HashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        return ports;
    }

    private static String probe(JsonNode container, String probe) {
        JsonNode get = container.path(probe).path("httpGet");
        return get.path("port").asText() + " " + get.path("path").asText();
    }

    private static boolean labelsMatch(JsonNode selector, JsonNode labels) {
        for (Map.Entry<String, JsonNode> entry : selector.properties()) {
            if (!entry.getValue().equals(labels.path(entry.getKey()))) {
                return false;
            }
        }
        return !selector.isEmpty();
    }
}
