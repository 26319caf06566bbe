package dev.nexus.server.runtime;

import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.server.NexusServer;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A CA named by {@code tls.ca_cert}/{@code tls.ca_key} must exist: when its files are missing (a Secret that
 * failed to mount) the proxy does not start, names the path, and writes nothing there. Only {@code tls.ca_dir}
 * gets a CA generated on first start.
 */
class ConfiguredCaTest {

    @TempDir
    Path dir;

    private NexusConfig config(String tls) throws Exception {
        return new ConfigLoader(Map.<String, String>of()::get).parse("ca.yaml", """
                listen: {port: 0}
                admin: {port: 0, token_file: "%s"}
                authority: {type: file, file: {path: "%s"}}
                tls: %s
                """.formatted(dir.resolve("admin-token"), dir.resolve("credentials.yaml"), tls));
    }

    @Test
    void missingConfiguredCaFilesStopTheStartNamingThePathAndNothingIsGenerated() throws Exception {
        Path cert = dir.resolve("mounted/tls.crt");
        Path key = dir.resolve("private/tls.key");
        NexusConfig config = config("{ca_cert: \"" + cert + "\", ca_key: \"" + key + "\"}");

        StartupException e = assertThrows(StartupException.class, () -> NexusServer.start(config, DataPlaneRuntime::new));

        assertThat(e.getMessage()).contains("tls.ca_cert").contains(cert.toString()).contains("never generated");
        assertThat(cert).doesNotExist();
        assertThat(key).doesNotExist();
        assertThat(cert.getParent()).doesNotExist();
    }

    @Test
    void aMissingConfiguredKeyBesideAnExistingCertificateIsNamed() throws Exception {
        CaFiles existing = CertificateAuthority.init(dir.resolve("ca"), false);
        Path key = dir.resolve("absent.key");
        NexusConfig config = config("{ca_cert: \"" + existing.certificate() + "\", ca_key: \"" + key + "\"}");

        StartupException e = assertThrows(StartupException.class, () -> NexusServer.start(config, DataPlaneRuntime::new));

        assertThat(e.getMessage()).contains("tls.ca_key").contains(key.toString());
        assertThat(key).doesNotExist();
    }

    @Test
    void theCaDirectoryStillGetsACaOnFirstStart() throws Exception {
        Path caDir = dir.resolve("nexus-ca");
        NexusServer server = NexusServer.start(config("{ca_dir: \"" + caDir + "\"}"), DataPlaneRuntime::new);
        try {
            assertThat(caDir.resolve(CaFiles.CERTIFICATE_FILE)).exists();
            assertThat(caDir.resolve(CaFiles.PRIVATE_KEY_FILE)).exists();
        } finally {
            server.shutdown();
        }
    }
}
