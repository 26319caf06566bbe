package dev.nexus.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A configuration with several mistakes names every one of them, with file, line and field, in one run. */
class ConfigProblemsTest {

    @TempDir
    Path dir;

    @Test
    void everyMistakeIsReportedAtOnceWithItsLine() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                listen:
                  port: 70000
                  adress: 127.0.0.1
                timeouts:
                  connect: soon
                  client_idle: 0s
                identity:
                  methods: [proxy_auth, magic]
                tls:
                  ca_cert: ca.pem
                colour: blue
                """);

        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigLoader(name -> null).load(file));

        assertThat(e.getMessage().lines()).containsExactly(
                file + ": 7 problems:",
                "  " + file + ":2: listen.port: must be 0-65535, got 70000",
                "  " + file + ":3: listen.adress: unknown key; expected one of: address, port",
                "  " + file + ":5: timeouts.connect: must be a duration such as 500ms, 5s, 2m or 1h, got \"soon\"",
                "  " + file + ":6: timeouts.client_idle: must be at least 1ms, got 0s",
                "  " + file + ":8: identity.methods[1]: must be one of proxy_auth, mtls, source, anonymous, got \"magic\"",
                "  " + file + ":9: tls.ca_key: required when tls.ca_cert is set",
                "  " + file + ":11: colour: unknown key; expected one of: listen, admin, transport, limits, timeouts,"
                        + " upstream, access_log, policy, authority, redis, tls, transparent, identity, audit");
    }

    @Test
    void aSingleMistakeStaysOneLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(name -> null).parse("config.yaml", "admin:\n  token_file: ''\n  port: x\n"));

        assertThat(e.getMessage()).isEqualTo("config.yaml:3: admin.port: must be an integer, got \"x\"");
    }

    @Test
    void aRuleAcrossFieldsIsNotRepeatedForAFieldThatFailed() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigLoader(name -> null)
                .parse("config.yaml", "access_log:\n  target: file\n  path: /tmp/x.log\n  queue_size: 1\n"));

        assertThat(e.getMessage()).isEqualTo("config.yaml:4: access_log.queue_size: must be 16-1048576, got 1");
    }
}
