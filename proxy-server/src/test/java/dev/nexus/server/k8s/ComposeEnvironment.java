package dev.nexus.server.k8s;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The environment a docker-compose.yml service's container gets, read the way Compose builds it. */
public final class ComposeEnvironment {

    private ComposeEnvironment() {
    }

    /** Its env files in order, then its {@code environment} mapping; a later value wins. */
    public static Map<String, String> of(JsonNode service) throws IOException {
        Path root = RepoFiles.root();
        Map<String, String> env = new HashMap<>();
        for (JsonNode envFile : service.path("env_file")) {
            for (String line : Files.readAllLines(root.resolve(envFile.asText()))) {
                int eq = line.indexOf('=');
                if (!line.isBlank() && !line.startsWith("#") && eq > 0) {
                    env.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        service.path("environment").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }
}
