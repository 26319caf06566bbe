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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The configurations shipped for docker-compose load with the proxy's real parsers, so a deployment fails in
 * the build rather than at container start: every proxy config of docker-compose.yml (with the environment
 * its env files give it), the example policies, and the example credential file. The Helm chart's rendered
 * configurations are loaded the same way by the chart tests in {@code k8s.deploy}.
 */
class ConfigExamplesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = RepoFiles.root();

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
    void bundledExampleCredentialsParse(@TempDir Path dir) throws IOException {
        Path example = ROOT.resolve("proxy-core/src/main/resources/dev/nexus/proxy/credentials/example-credentials.yaml");
        try (FileCredentialSource source = new FileCredentialSource(privateCopy(example, dir), false)) {
            assertThat(source.connectionIds()).contains("github-demo", "s3-demo", "google-demo");
        }
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
}
