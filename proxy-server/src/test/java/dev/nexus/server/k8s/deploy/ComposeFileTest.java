package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.k8s.ComposeEnvironment;
import dev.nexus.server.k8s.RepoFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * docker-compose.yml against the Compose Specification's own JSON Schema (test resource
 * compose/compose-spec.json, source in compose/SOURCE.md), plus the facts the demo depends on.
 */
class ComposeFileTest {

    private static Path root;
    private static JsonNode compose;
    private static JsonSchema schema;

    @BeforeAll
    static void load() throws IOException {
        root = RepoFiles.root();
        compose = SchemaValidation.yaml(root.resolve("docker-compose.yml"));
        schema = SchemaValidation.classpathSchema("compose/compose-spec.json");
    }

    @Test
    void isValidAgainstTheComposeSpecification() {
        assertThat(SchemaValidation.problems(schema, compose)).isEmpty();
    }

    @Test
    void theSchemaCatchesMistakes() {
        ObjectNode typo = compose.deepCopy();
        ((ObjectNode) typo.path("services").path("redis")).put("imagee", "redis:7");
        assertThat(SchemaValidation.problems(schema, typo)).anyMatch(p -> p.contains("imagee"));

        ObjectNode badCondition = compose.deepCopy();
        ((ObjectNode) badCondition.path("services").path("proxy").path("depends_on").path("redis")).put("condition", "service_ready");
        assertThat(SchemaValidation.problems(schema, badCondition)).isNotEmpty();
    }

    @Test
    void proxyIsBuiltFromTheRepositoryDockerfile() {
        JsonNode build = compose.path("services").path("proxy").path("build");
        assertThat(root.resolve(build.path("context").asText()).resolve(build.path("dockerfile").asText())).isRegularFile();
    }

    @Test
    void everyMountedFileAndEnvFileExists() {
        List<String> missing = new ArrayList<>();
        Iterator<JsonNode> services = compose.path("services").elements();
        while (services.hasNext()) {
            JsonNode service = services.next();
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.asText().split(":")[0];
                // ca/ is created by examples/compose/setup.sh; its .gitignore keeps the directory
                if (source.startsWith("./") && !Files.exists(root.resolve(source))) {
                    missing.add(source);
                }
            }
            for (JsonNode envFile : service.path("env_file")) {
                if (!Files.isRegularFile(root.resolve(envFile.asText()))) {
                    missing.add(envFile.asText());
                }
            }
        }
        for (JsonNode secret : compose.path("secrets")) {
            if (!Files.isRegularFile(root.resolve(secret.path("file").asText()))) {
                missing.add(secret.path("file").asText());
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void defaultStackHasProxyRedisEchoAndACredentialFreeAgent() {
        JsonNode services = compose.path("services");
        for (String name : List.of("proxy", "redis", "echo", "agent")) {
            assertThat(services.path(name).has("profiles")).as(name + " runs by default").isFalse();
        }
        JsonNode agentEnv = services.path("agent").path("environment");
        // The agent is curl, which takes a plain-HTTP proxy only from lower-case http_proxy.
        for (String name : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")) {
            assertThat(agentEnv.path(name).asText()).as(name).isEqualTo("http://proxy:3128");
        }
        List<String> names = new ArrayList<>();
        agentEnv.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("http_proxy", "https_proxy", "no_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY");
        assertThat(services.path("proxy").path("secrets").get(0).path("target").asText()).isEqualTo("/etc/nexus/credentials.yaml");
        for (JsonNode port : services.path("proxy").path("ports")) {
            assertThat(port.asText()).as("published on loopback only").startsWith("127.0.0.1:");
        }
    }

    @Test
    void fullAuthorityProfileAddsBrokerGatewayAndPostgresFromOneRelease() {
        JsonNode services = compose.path("services");
        for (String name : List.of("postgres", "nexus-broker", "nexus-gateway", "proxy-authority")) {
            assertThat(services.path(name).path("profiles").toString()).as(name).isEqualTo("[\"full-authority\"]");
        }
        String broker = services.path("nexus-broker").path("image").asText();
        String gateway = services.path("nexus-gateway").path("image").asText();
        assertThat(broker).startsWith("ghcr.io/prescott-data/nexus-broker:");
        assertThat(gateway).startsWith("ghcr.io/prescott-data/nexus-gateway:");
        assertThat(tag(broker)).as("broker and gateway of the same release").isEqualTo(tag(gateway));
    }

    @Test
    void brokerMigratesItsSchemaBeforeAnythingDownstreamStarts() throws IOException {
        JsonNode services = compose.path("services");
        // The broker image applies /app/migrations before it listens, and exits if one fails; so "healthy"
        // means "migrated", and each later service waits for health, not for a started container.
        assertThat(ComposeEnvironment.of(services.path("nexus-broker")))
                .containsEntry("AUTO_MIGRATE", "true")
                .doesNotContainKey("MIGRATIONS_DIR");
        assertThat(condition(services, "nexus-broker", "postgres")).isEqualTo("service_healthy");
        assertThat(condition(services, "nexus-broker", "redis")).isEqualTo("service_healthy");
        assertThat(condition(services, "nexus-gateway", "nexus-broker")).isEqualTo("service_healthy");
        assertThat(condition(services, "proxy-authority", "nexus-gateway")).isEqualTo("service_healthy");
        assertThat(services.path("postgres").path("healthcheck").isMissingNode()).isFalse();
    }

    @Test
    void brokerAndGatewayAreProbedAndPublishedOnThePortTheyListenOn() throws IOException {
        JsonNode services = compose.path("services");
        for (String name : List.of("nexus-broker", "nexus-gateway")) {
            JsonNode service = services.path(name);
            String port = ComposeEnvironment.of(service).get("PORT");
            assertThat(service.path("healthcheck").path("test").toString()).as(name)
                    .contains("\"http://127.0.0.1:" + port + "/health\"");
            assertThat(service.path("ports").get(0).asText()).as(name).isEqualTo("127.0.0.1:" + port + ":" + port);
        }
        String brokerPort = ComposeEnvironment.of(services.path("nexus-broker")).get("PORT");
        assertThat(ComposeEnvironment.of(services.path("nexus-gateway")))
                .containsEntry("BROKER_BASE_URL", "http://nexus-broker:" + brokerPort);
    }

    @Test
    void authorityKeysDecodeTheWayTheBrokerParsesThem() throws IOException {
        Map<String, String> broker = ComposeEnvironment.of(compose.path("services").path("nexus-broker"));
        Map<String, String> gateway = ComposeEnvironment.of(compose.path("services").path("nexus-gateway"));
        assertThat(brokerKey(broker.get("ENCRYPTION_KEY"))).hasSize(32);
        assertThat(brokerKey(broker.get("STATE_KEY"))).hasSize(32);
        assertThat(broker.get("ENCRYPTION_KEY")).isNotEqualTo(broker.get("STATE_KEY"));
        assertThat(gateway.get("STATE_KEY")).as("state signed by the broker is verified by the gateway")
                .isEqualTo(broker.get("STATE_KEY"));
        assertThat(gateway.get("BROKER_API_KEY")).as("the gateway's key is one the broker accepts")
                .isNotBlank().isEqualTo(broker.get("API_KEY"));
        assertThat(broker).containsEntry("REQUIRE_API_KEY", "true");
        assertThat(broker.get("BASE_URL")).isNotBlank();
    }

    @Test
    void theKeyCheckRefusesWhatTheBrokerRefuses() {
        assertThat(brokerKey("c2hvcnQ=")).as("5 bytes").hasSize(5);
        assertThatThrownBy(() -> brokerKey("ZGV2ZWxvcG1lbnQtb25seS1icm9rZXIta2V5LTMyYiE"))
                .as("unpadded").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> brokerKey("ZGV2ZWxvcG1lbnQtb25seS1icm9rZXIta2V5LTMyYiE_"))
                .as("URL alphabet").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void proxyAuthorityFetchesFromTheGatewayServiceAndPortWithNoneOfTheAuthoritysKeys() throws Exception {
        JsonNode services = compose.path("services");
        JsonNode proxy = services.path("proxy-authority");
        Map<String, String> env = ComposeEnvironment.of(proxy);
        NexusConfig config = new ConfigLoader(env::get).load(hostConfig(proxy));

        URI gateway = config.authority().nexus().url().orElseThrow();
        assertThat(config.authority().type()).isEqualTo(NexusConfig.AuthorityType.NEXUS);
        assertThat(gateway.getHost()).isEqualTo("nexus-gateway");
        assertThat(String.valueOf(gateway.getPort())).isEqualTo(ComposeEnvironment.of(services.path("nexus-gateway")).get("PORT"));
        assertThat(config.authority().nexus().apiKeyHeader()).isEqualTo("X-API-Key");
        assertThat(env).doesNotContainKeys("ENCRYPTION_KEY", "STATE_KEY", "API_KEY", "BROKER_API_KEY");
    }

    /**
     * A key as nexus-broker's config.ValidateKey reads it: Go's base64.StdEncoding, so the standard alphabet
     * with padding; the caller checks the length (32 bytes for AES-256).
     */
    private static byte[] brokerKey(String value) {
        if (value == null || value.length() % 4 != 0) {
            throw new IllegalArgumentException("not padded standard base64");
        }
        return Base64.getDecoder().decode(value);
    }

    private static String tag(String image) {
        return image.substring(image.lastIndexOf(':') + 1);
    }

    private static String condition(JsonNode services, String service, String dependency) {
        return services.path(service).path("depends_on").path(dependency).path("condition").asText();
    }

    /** The host file mounted where the service's {@code --config} argument points. */
    private static Path hostConfig(JsonNode service) {
        JsonNode command = service.path("command");
        String target = command.get(command.size() - 1).asText();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts[1].equals(target)) {
                return root.resolve(parts[0]);
            }
        }
        throw new AssertionError(target + " is not mounted");
    }
}
