package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.nexus.server.k8s.RepoFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(agentEnv.path("HTTP_PROXY").asText()).isEqualTo("http://proxy:3128");
        List<String> names = new ArrayList<>();
        agentEnv.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY");
        assertThat(services.path("proxy").path("secrets").get(0).path("target").asText()).isEqualTo("/etc/nexus/credentials.yaml");
        for (JsonNode port : services.path("proxy").path("ports")) {
            assertThat(port.asText()).as("published on loopback only").startsWith("127.0.0.1:");
        }
    }

    @Test
    void fullAuthorityProfileAddsBrokerGatewayAndPostgres() {
        JsonNode services = compose.path("services");
        for (String name : List.of("postgres", "nexus-broker", "nexus-gateway", "proxy-authority")) {
            assertThat(services.path(name).path("profiles").toString()).as(name).isEqualTo("[\"full-authority\"]");
        }
        assertThat(services.path("nexus-broker").path("image").asText()).startsWith("ghcr.io/prescott-data/nexus-broker");
        assertThat(services.path("nexus-gateway").path("image").asText()).startsWith("ghcr.io/prescott-data/nexus-gateway");
        assertThat(services.path("nexus-broker").path("depends_on").path("postgres").path("condition").asText())
                .isEqualTo("service_healthy");
    }
}
