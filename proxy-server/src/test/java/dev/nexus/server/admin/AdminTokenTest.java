package dev.nexus.server.admin;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.config.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The admin token always exists: configured, read from its file, or generated into it (0600) on first start. */
class AdminTokenTest {

    @TempDir
    Path dir;

    private static NexusConfig.Admin admin(Optional<Secret> token, Path file) {
        return new NexusConfig.Admin("127.0.0.1", 0, token, file);
    }

    @Test
    void aConfiguredTokenWinsAndNoFileIsWritten() throws Exception {
        Path file = dir.resolve("token");
        Secret token = AdminToken.resolve(admin(Optional.of(Secret.of("configured-token-0123456789")), file));
        assertThat(token.reveal()).isEqualTo("configured-token-0123456789");
        assertThat(file).doesNotExist();
    }

    @Test
    void withoutOneATokenIsGeneratedIntoAnOwnerOnlyFileNamedInTheLogButNeverLogged() throws Exception {
        Path file = dir.resolve("state/nexus-admin-token");
        Secret generated;
        String log;
        try (LogCapture logs = new LogCapture()) {
            generated = AdminToken.resolve(admin(Optional.empty(), file));
            log = logs.text();
        }
        assertThat(generated.reveal()).hasSizeGreaterThanOrEqualTo(NexusConfig.Admin.MIN_TOKEN_LENGTH);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file).strip()).isEqualTo(generated.reveal());
        assertThat(log).contains(file.toAbsolutePath().toString()).doesNotContain(generated.reveal());

        Secret again = AdminToken.resolve(admin(Optional.empty(), file));
        assertThat(again.reveal()).as("the next start reads the same token").isEqualTo(generated.reveal());
    }

    @Test
    void aMountedTokenFileIsReadAndGroupReadIsAccepted() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "mounted-secret-token-0123456789\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
        assertThat(AdminToken.resolve(admin(Optional.empty(), file)).reveal()).isEqualTo("mounted-secret-token-0123456789");
    }

    @Test
    void aTokenFileOthersMayReadOrAShortTokenIsRefusedWithoutQuotingIt() throws Exception {
        Path open = dir.resolve("open");
        Files.writeString(open, "world-readable-token-0123456789");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        IOException readable = assertThrows(IOException.class, () -> AdminToken.resolve(admin(Optional.empty(), open)));
        assertThat(readable.getMessage()).contains(open.toString()).contains("chmod 600").doesNotContain("world-readable-token");

        Path shortOne = dir.resolve("short");
        Files.writeString(shortOne, "tooshort");
        Files.setPosixFilePermissions(shortOne, PosixFilePermissions.fromString("rw-------"));
        IOException tooShort = assertThrows(IOException.class, () -> AdminToken.resolve(admin(Optional.empty(), shortOne)));
        assertThat(tooShort.getMessage()).contains("at least 16").doesNotContain("tooshort");
    }
}
