package dev.nexus.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
