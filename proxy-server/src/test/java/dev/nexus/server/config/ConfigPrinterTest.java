package dev.nexus.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigPrinterTest {

    @TempDir
    Path dir;

    private NexusConfig reload(NexusConfig config) throws Exception {
        Path file = dir.resolve("effective.yaml");
        Files.writeString(file, ConfigPrinter.toYaml(config));
        return new ConfigLoader(name -> null).load(file);
    }

    @Test
    void printsTheFileVocabularyAndReadsBackToTheSameConfig() throws Exception {
        String yaml = ConfigPrinter.toYaml(NexusConfig.defaults());

        assertTrue(yaml.startsWith("listen:\n  address: \"127.0.0.1\"\n  port: 3128\n"), yaml);
        assertTrue(yaml.contains("  shutdown_drain: 10s\n"), yaml);
        assertTrue(yaml.contains("  type: auto\n"), yaml);
        assertTrue(yaml.contains("  hosts: {}\n"), yaml);
        assertEquals(NexusConfig.defaults(), reload(NexusConfig.defaults()));
    }

    @Test
    void theStartupViewShowsOnlyTheFeaturesInUse() throws Exception {
        String defaults = ConfigPrinter.inUse(NexusConfig.defaults());

        assertTrue(defaults.contains("\nauthority:\n  type: file\n  file:\n"), defaults);
        assertTrue(defaults.contains("\ntls:\n  ca_dir: \"nexus-ca\"\n"), defaults);
        for (String unused : new String[] {"\nredis:", "\ntransparent:", "\nidentity:", "  nexus:", "  oauth2:"}) {
            assertFalse(defaults.contains(unused), unused + " printed:\n" + defaults);
        }
        assertTrue(defaults.endsWith("# not in use (their defaults apply): authority.nexus, authority.oauth2, redis,"
                + " transparent, identity\n"), defaults);

        NexusConfig shared = new ConfigLoader(name -> null).parse("shared", """
                authority: {type: nexus, nexus: {url: "https://authority.example", api_key: printer-secret-key-1}}
                redis: {url: "redis://:printer-redis-pw@cache:6379", encryption_keys: {k1: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}}
                audit: {enabled: false}
                """);
        String inUse = ConfigPrinter.inUse(shared);

        assertTrue(inUse.contains("\n  nexus:\n    url: \"https://authority.example\"\n"), inUse);
        assertTrue(inUse.contains("\nredis:\n") && !inUse.contains("\naudit:\n"), inUse);
        assertFalse(inUse.contains("  file:\n"), inUse);
        assertFalse(inUse.contains("printer-secret-key-1") || inUse.contains("printer-redis-pw"), inUse);
    }

    @Test
    void nonSecretSettingsSurviveARoundTrip() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                listen: {port: 0}
                upstream: {hosts: {a.example: 127.0.0.9}}
                timeouts: {connect: 1500ms, client_idle: 2m}
                access_log: {target: file, path: "/tmp/a b.log"}
                tls: {leaf_key_type: rsa, ca_cert: c.pem, ca_key: k.pem}
                """);
        NexusConfig config = new ConfigLoader(name -> null).load(file);

        assertEquals(config, reload(config));
    }
}
