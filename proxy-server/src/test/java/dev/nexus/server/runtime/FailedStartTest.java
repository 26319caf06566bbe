package dev.nexus.server.runtime;

import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.server.NexusServer;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A start that fails leaves the directory as it found it, and a problem with a file the operator must
 * fix (a CA key others can read) is one line, found before anything is written.
 */
class FailedStartTest {

    @TempDir
    Path dir;

    private NexusConfig config(int proxyPort) throws Exception {
        return new ConfigLoader(Map.<String, String>of()::get).parse("start.yaml", """
                listen: {port: %d}
                admin: {port: 0, token_file: "%s"}
                authority: {file: {path: "%s"}}
                tls: {ca_dir: "%s"}
                """.formatted(proxyPort, dir.resolve("state/admin-token"), dir.resolve("state/credentials.yaml"),
                dir.resolve("state/ca")));
    }

    @Test
    void aCaKeyOthersCanReadFailsInOneLineBeforeAnythingIsWritten() throws Exception {
        CaFiles ca = CertificateAuthority.init(dir.resolve("state/ca"), false);
        Files.setPosixFilePermissions(ca.privateKey(), PosixFilePermissions.fromString("rw-r--r--"));

        try (LogCapture logs = new LogCapture("")) {
            StartupException e = assertThrows(StartupException.class,
                    () -> NexusServer.start(config(0), DataPlaneRuntime::new));

            assertThat(e.getMessage()).isEqualTo("cannot start: CA private key file " + ca.privateKey()
                    + " has permissions rw-r--r-- (0644); it must be readable and writable by its owner only"
                    + " (0600 or 0400): chmod 600 " + ca.privateKey());
            assertThat(e.isConfigurationError()).isTrue();
            assertThat(logs.records()).noneMatch(record -> record.getLevel().intValue() >= Level.SEVERE.intValue());
        }
        assertThat(dir.resolve("state/credentials.yaml")).doesNotExist();
        assertThat(dir.resolve("state/admin-token")).doesNotExist();
    }

    @Test
    void aListenerThatCannotBindLeavesNoFirstStartFilesBehind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            StartupException e = assertThrows(StartupException.class,
                    () -> NexusServer.start(config(taken.getLocalPort()), DataPlaneRuntime::new));

            assertThat(e.getMessage()).contains(String.valueOf(taken.getLocalPort()));
            assertThat(e.isConfigurationError()).isFalse();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("credential file, admin token and CA created by the failed start").isEmpty();
        }
    }

    @Test
    void aSuccessfulStartKeepsItsFiles() throws Exception {
        NexusServer server = NexusServer.start(config(0), DataPlaneRuntime::new);
        server.shutdown();

        assertThat(dir.resolve("state/credentials.yaml")).exists();
        assertThat(dir.resolve("state/admin-token")).exists();
        assertThat(dir.resolve("state/ca").resolve(CaFiles.PRIVATE_KEY_FILE)).exists();
    }
}
