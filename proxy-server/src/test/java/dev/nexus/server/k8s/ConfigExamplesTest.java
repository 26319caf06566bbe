package dev.nexus.server.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.proxy.credentials.file.FileCredentialSource;
import dev.nexus.server.config.ConfigException;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.k8s.inject.InjectorConfig;
import dev.nexus.server.k8s.inject.PodInjector;
import dev.nexus.server.k8s.inject.TransparentRedirect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The configurations shipped for containers load with the proxy's real parsers, so a deployment fails in
 * the build rather than at pod start: every proxy config of docker-compose.yml (with the environment its
 * env files give it), the chart's rendered config (fixtures kept in sync with the {@code nexus-proxy.config}
 * helper, see {@code k8s/chart-config/README.md}), the example policies, and the example credential file.
 * The sidecar's config is also loaded with the environment the real injector gives an explicit and a
 * transparent pod's sidecar, so the transparent listeners it enables are the ones the injected iptables
 * rules redirect to.
 */
class ConfigExamplesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = RepoFiles.root();
    private static final Path CHART_FIXTURES = ROOT.resolve("proxy-server/src/test/resources/k8s/chart-config");
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern YAML_KEY = Pattern.compile("^( *)([a-z_]+):");

    @Test
    void everyComposeProxyConfigLoadsWithTheEnvironmentItsServiceGets(@TempDir Path dir) throws Exception {
        JsonNode services = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).path("services");
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            Optional<String> configPath = configArgument(service.getValue());
            if (configPath.isEmpty()) {
                continue;
            }
            Map<String, Path> mounts = mounts(service.getValue());
            Path hostConfig = mounts.get(configPath.get());
            assertThat(hostConfig).as(service.getKey() + " mounts its --config file").isNotNull();
            Map<String, String> env = ComposeEnvironment.of(service.getValue());

            NexusConfig config = new ConfigLoader(env::get).load(hostConfig);

            assertThat(config.admin().token()).as(service.getKey() + ": admin listens off loopback").isPresent();
            for (Path inContainer : containerPaths(config)) {
                assertThat(mounts.keySet().stream().anyMatch(target -> inContainer.startsWith(target)))
                        .as(service.getKey() + ": " + inContainer + " is mounted").isTrue();
            }
            Path policy = hostPath(mounts, config.policy().path().orElseThrow());
            assertPolicyLoads(policy);
            if (config.authority().type() == NexusConfig.AuthorityType.FILE) {
                assertCredentialsCover(hostPath(mounts, config.authority().file().path()), policy, dir);
            }
            loaded.add(service.getKey());
        }
        assertThat(loaded).containsExactlyInAnyOrder("proxy", "proxy-authority");
    }

    @Test
    void composeConfigNeedsItsSecretsFromTheEnvironment() {
        ConfigLoader withoutEnv = new ConfigLoader(name -> null);
        assertThatThrownBy(() -> withoutEnv.load(ROOT.resolve("examples/compose/config.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable NEXUS_ADMIN_TOKEN is not set");
    }

    @Test
    void chartFixturesLoadWithTheSecretsTheChartWiresIn() throws Exception {
        Set<String> chartEnv = chartSecretEnv();
        assertThat(chartEnv).contains("NEXUS_ADMIN_TOKEN", "NEXUS_AUTHORITY_API_KEY", "NEXUS_REDIS_URL",
                "NEXUS_REDIS_ENCRYPTION_KEY");
        Map<String, String> env = Map.of(
                "NEXUS_ADMIN_TOKEN", "admin-token-from-a-secret",
                "NEXUS_AUTHORITY_API_KEY", "authority-key-from-a-secret",
                "NEXUS_REDIS_URL", "rediss://:pw@redis.example.com:6380",
                "NEXUS_REDIS_ENCRYPTION_KEY", "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE=");
        Set<String> setByChartOrInjector = new TreeSet<>(chartEnv);
        setByChartOrInjector.addAll(TransparentRedirect.ENV_NAMES);
        for (Path fixture : chartFixtures()) {
            Matcher references = ENV_REFERENCE.matcher(Files.readString(fixture));
            while (references.find()) {
                assertThat(setByChartOrInjector).as(fixture + " references only variables the chart or the injector sets")
                        .contains(references.group(1));
            }
            NexusConfig config = new ConfigLoader(env::get).load(fixture);
            assertThat(config.admin().address()).isEqualTo("0.0.0.0");
            assertThat(config.admin().token()).isPresent();
            assertThat(config.policy().path()).contains(Path.of("/etc/nexus/policy"));
            assertThat(config.tls().caKey()).contains(Path.of("/etc/nexus/private/tls.key"));
        }
        NexusConfig sidecar = new ConfigLoader(env::get).load(CHART_FIXTURES.resolve("sidecar.yaml"));
        assertThat(sidecar.listen().address()).as("in a pod only its own containers are clients").isEqualTo("127.0.0.1");
    }

    @Test
    void sidecarConfigEnablesTheTransparentListenersExactlyWhereTheInjectedRulesRedirect() throws Exception {
        for (InjectorConfig injector : List.of(InjectorConfig.defaults(), InjectorConfig.from(
                YAML.readTree("transparent: {httpPort: 16080, httpsPort: 16443}"), "custom ports"))) {
            JsonNode inits = injectedInitContainers(injector, "transparent");
            String rules = named(inits, "nexus-iptables-init").path("command").get(2).asText();
            NexusConfig sidecar = loadSidecarFixture(named(inits, "nexus-proxy"));

            for (NexusConfig.TransparentListener listener : List.of(sidecar.transparent().http(), sidecar.transparent().tls())) {
                assertThat(listener.enabled()).isTrue();
                assertThat(listener.address()).as("REDIRECT from OUTPUT delivers to loopback").isEqualTo("127.0.0.1");
                assertThat(rules).contains("iptables -t nat -A NEXUS_OUTPUT -p tcp --dport " + listener.originalPort()
                        + " -j REDIRECT --to-ports " + listener.port() + "\n");
            }
            assertThat(sidecar.transparent().http().port()).isEqualTo(injector.transparentHttpPort());
            assertThat(sidecar.transparent().tls().port()).isEqualTo(injector.transparentHttpsPort());
        }
    }

    @Test
    void explicitSidecarLeavesTheTransparentListenersOff() throws Exception {
        JsonNode inits = injectedInitContainers(InjectorConfig.defaults(), "explicit");
        NexusConfig sidecar = loadSidecarFixture(named(inits, "nexus-proxy"));
        assertThat(sidecar.transparent().http().enabled()).isFalse();
        assertThat(sidecar.transparent().tls().enabled()).isFalse();
    }

    @Test
    void chartFixturesHaveExactlyTheKeysTheHelperWrites() throws IOException {
        String helpers = Files.readString(ROOT.resolve("helm/nexus-proxy/templates/_helpers.tpl"));
        int start = helpers.indexOf("{{- define \"nexus-proxy.config\" -}}");
        int end = helpers.indexOf("{{- end }}\n\n", start);
        assertThat(start).as("nexus-proxy.config helper").isPositive();
        Set<String> helperKeys = keyPaths(helpers.substring(start, end));
        Set<String> fixtureKeys = new TreeSet<>();
        for (Path fixture : chartFixtures()) {
            fixtureKeys.addAll(keyPaths(Files.readString(fixture)));
        }
        assertThat(fixtureKeys).isEqualTo(helperKeys);
    }

    @Test
    void chartDefaultInlinePolicyLoads(@TempDir Path dir) throws IOException {
        JsonNode values = YAML.readTree(ROOT.resolve("helm/nexus-proxy/values.yaml").toFile());
        Path policy = Files.writeString(dir.resolve("policy.yaml"), values.path("policy").path("inline").asText());
        assertPolicyLoads(policy);
    }

    @Test
    void bundledExampleCredentialsParse(@TempDir Path dir) throws IOException {
        Path example = ROOT.resolve("proxy-core/src/main/resources/dev/nexus/proxy/credentials/example-credentials.yaml");
        try (FileCredentialSource source = new FileCredentialSource(privateCopy(example, dir), false)) {
            assertThat(source.connectionIds()).contains("github-demo", "s3-demo", "google-demo");
        }
    }

    /** The init containers the real injector adds to a bare pod annotated with {@code mode}. */
    private static JsonNode injectedInitContainers(InjectorConfig injector, String mode) throws IOException {
        JsonNode pod = YAML.readTree("""
                metadata: {annotations: {nexus.dev/inject: "true", nexus.dev/mode: %s}}
                spec: {containers: [{name: agent, image: registry.example.com/agent:1}]}
                """.formatted(mode));
        PodInjector.Result result = new PodInjector(injector).inject(pod, false);
        assertThat(result).isInstanceOf(PodInjector.Result.Patched.class);
        for (JsonNode operation : ((PodInjector.Result.Patched) result).patch()) {
            if (operation.path("path").asText().equals("/spec/initContainers")) {
                return operation.path("value");
            }
        }
        throw new AssertionError("the patch adds no init containers");
    }

    /** The sidecar fixture loaded with the environment the injected sidecar container gets (Secrets stubbed). */
    private static NexusConfig loadSidecarFixture(JsonNode sidecarContainer) throws ConfigException {
        Map<String, String> env = new HashMap<>(Map.of(
                "NEXUS_ADMIN_TOKEN", "admin-token-from-a-secret",
                "NEXUS_AUTHORITY_API_KEY", "authority-key-from-a-secret"));
        for (JsonNode variable : sidecarContainer.path("env")) {
            if (variable.has("value")) {
                env.put(variable.path("name").asText(), variable.path("value").asText());
            }
        }
        return new ConfigLoader(env::get).load(CHART_FIXTURES.resolve("sidecar.yaml"));
    }

    private static JsonNode named(JsonNode array, String name) {
        for (JsonNode item : array) {
            if (item.path("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError("no element named " + name + " in " + array);
    }

    /** The file a service's {@code --config} argument names, if it runs the proxy. */
    private static Optional<String> configArgument(JsonNode service) {
        JsonNode command = service.path("command");
        for (int i = 0; i + 1 < command.size(); i++) {
            if (command.get(i).asText().equals("--config")) {
                return Optional.of(command.get(i + 1).asText());
            }
        }
        return Optional.empty();
    }

    /** Container path to host path, from bind mounts ({@code ./host:/container[:ro]}) and file secrets. */
    private static Map<String, Path> mounts(JsonNode service) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            mounts.put(parts[1], ROOT.resolve(parts[0]).normalize());
        }
        JsonNode secrets = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).path("secrets");
        for (JsonNode secret : service.path("secrets")) {
            String file = secrets.path(secret.path("source").asText()).path("file").asText();
            mounts.put(secret.path("target").asText(), ROOT.resolve(file).normalize());
        }
        return mounts;
    }

    private static Path hostPath(Map<String, Path> mounts, Path inContainer) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            Path target = Path.of(mount.getKey());
            if (inContainer.startsWith(target)) {
                return mount.getValue().resolve(target.relativize(inContainer).toString());
            }
        }
        throw new AssertionError(inContainer + " is not mounted");
    }

    private static List<Path> containerPaths(NexusConfig config) {
        List<Path> paths = new ArrayList<>();
        config.policy().path().ifPresent(paths::add);
        config.tls().caCert().ifPresent(paths::add);
        config.tls().caKey().ifPresent(paths::add);
        if (config.authority().type() == NexusConfig.AuthorityType.FILE) {
            paths.add(config.authority().file().path());
        }
        return paths;
    }

    private static void assertPolicyLoads(Path policy) {
        LoadResult result = PolicyLoader.load(policy);
        assertThat(result.errors()).as(policy.toString()).isEmpty();
        assertThat(result.ok()).isTrue();
    }

    /** The credential file parses with the real source and holds every connection the policy injects. */
    private static void assertCredentialsCover(Path credentials, Path policyDir, Path dir) throws IOException {
        Set<String> connections = new TreeSet<>();
        try (Stream<Path> files = Files.list(policyDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (JsonNode route : YAML.readTree(file.toFile()).path("routes")) {
                    if (route.has("connection")) {
                        connections.add(route.path("connection").asText());
                    }
                }
            }
        }
        try (FileCredentialSource source = new FileCredentialSource(privateCopy(credentials, dir), false)) {
            assertThat(source.connectionIds()).as(credentials.toString()).containsAll(connections);
        }
    }

    /** A 0600 copy, as setup.sh or a Secret mount gives the proxy; the checkout's own mode may be wider. */
    private static Path privateCopy(Path file, Path dir) throws IOException {
        Path copy = dir.resolve(file.getFileName());
        Files.copy(file, copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        return copy;
    }

    private static List<Path> chartFixtures() throws IOException {
        try (Stream<Path> files = Files.list(CHART_FIXTURES)) {
            List<Path> fixtures = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertThat(fixtures).hasSize(3);
            return fixtures;
        }
    }

    /** The variables the chart's {@code nexus-proxy.secretEnv} helper sets in the proxy container. */
    private static Set<String> chartSecretEnv() throws IOException {
        String helpers = Files.readString(ROOT.resolve("helm/nexus-proxy/templates/_helpers.tpl"));
        String block = helpers.substring(helpers.indexOf("define \"nexus-proxy.secretEnv\""));
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("- name: ([A-Z_]+)").matcher(block.substring(0, block.indexOf("{{/*")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * Dotted key paths of a YAML mapping written in block style, read line by line so template directives
     * (dropped) and both branches of an if/else contribute. Key ids under {@code redis.encryption_keys} are
     * names the user picks, so they are left out.
     */
    private static Set<String> keyPaths(String text) {
        Set<String> paths = new TreeSet<>();
        List<String> stack = new ArrayList<>();
        List<Integer> indents = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = YAML_KEY.matcher(line);
            if (line.strip().startsWith("{{") || line.strip().startsWith("#") || !m.find()) {
                continue;
            }
            int indent = m.group(1).length();
            while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
                indents.remove(indents.size() - 1);
                stack.remove(stack.size() - 1);
            }
            stack.add(m.group(2));
            indents.add(indent);
            String path = String.join(".", stack);
            if (!path.startsWith("redis.encryption_keys.")) {
                paths.add(path);
            }
        }
        return paths;
    }
}
