package dev.nexus.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/configuration.md stays true: every field is documented and every example loads. */
class DocumentedConfigurationTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);
    private static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    @Test
    void everyFieldIsDocumented() throws Exception {
        String doc = Files.readString(DOC);
        for (String line : ConfigPrinter.toYaml(NexusConfig.defaults()).split("\n")) {
            String key = line.trim().substring(0, line.trim().indexOf(':'));
            assertTrue(doc.contains("`" + key + "`") || doc.contains("`" + key + ",") || doc.contains(", `" + key + "`")
                            || doc.contains("### `" + key + "`") || doc.contains("`authority." + key + "`"),
                    () -> "docs/configuration.md does not document " + key);
        }
    }

    @Test
    void everyExampleLoads(@TempDir Path dir) throws Exception {
        Matcher blocks = YAML_BLOCK.matcher(Files.readString(DOC));
        Map<String, String> env = Map.of("NEXUS_API_KEY", "api-key", "NEXUS_ADMIN_TOKEN", "0123456789abcdef0123",
                "REDIS_PASSWORD", "pw", "NEXUS_LEASE_KEY_1", KEY, "NEXUS_LEASE_KEY_2", KEY,
                "BILLING_CLIENT_SECRET", "client-secret");
        List<NexusConfig> loaded = new ArrayList<>();
        while (blocks.find()) {
            Path file = dir.resolve("example-" + loaded.size() + ".yaml");
            Files.writeString(file, blocks.group(1));
            loaded.add(new ConfigLoader(env::get).load(file));
        }
        assertEquals(6, loaded.size());
        assertEquals("google", loaded.get(0).authority().nexus().reconsent().orElseThrow().connections()
                .get("gmail-support").providerId());
        assertEquals(NexusConfig.AuthorityType.NEXUS, loaded.get(2).authority().type());
        assertEquals(NexusConfig.SourceType.OAUTH2, loaded.get(3).authority().sourceOf("billing"));
        assertEquals(NexusConfig.SourceType.FILE, loaded.get(4).authority().sourceOf("github"));
        assertEquals(NexusConfig.SourceType.OAUTH2, loaded.get(4).authority().sourceOf("crm"));
        assertEquals(3128, loaded.get(5).listen().port());
    }
}
