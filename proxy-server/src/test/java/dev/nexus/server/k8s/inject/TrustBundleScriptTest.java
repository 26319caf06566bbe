package dev.nexus.server.k8s.inject;

import dev.nexus.server.admin.AdminToken;
import dev.nexus.server.config.NexusConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the trust init step's real shell script (with its directories moved under a temp dir) and checks
 * the files app containers get: the merged bundle, the proxy CA alone, and a PKCS12 truststore that holds
 * both the JDK's roots and the proxy CA; and the sidecar's owner-only copies of the CA key and the admin token.
 */
class TrustBundleScriptTest {

    @Test
    void buildsMergedBundleProxyCaAndTruststore(@TempDir Path dir) throws Exception {
        Path systemRoots = Path.of(TrustBundle.SYSTEM_ROOTS);
        assumeTrue(Files.isReadable(systemRoots), "needs the Debian/Ubuntu CA bundle at " + systemRoots);
        Path out = Files.createDirectory(dir.resolve("nexus-ca"));
        Path secret = Files.createDirectory(dir.resolve("secret"));
        Path privateDir = Files.createDirectory(dir.resolve("private"));
        X509Certificate proxyCa = TestCertificates.write(secret, TestCertificates.KeyFormat.EC_PKCS8);
        // As in a Secret volume with defaultMode 0444: readable by everyone, which the proxy refuses for a CA key.
        Files.setPosixFilePermissions(secret.resolve("tls.key"), PosixFilePermissions.fromString("r--r--r--"));
        Path adminSecret = Files.createDirectory(dir.resolve("admin-secret"));
        Files.writeString(adminSecret.resolve(TrustBundle.ADMIN_TOKEN_FILE), "admin-token-from-the-secret-0123");
        Files.setPosixFilePermissions(adminSecret.resolve(TrustBundle.ADMIN_TOKEN_FILE), PosixFilePermissions.fromString("r--r--r--"));

        String script = TrustBundle.initScript()
                .replace(TrustBundle.DIR, out.toString())
                .replace(TrustBundle.PRIVATE_DIR, privateDir.toString())
                .replace(TrustBundle.ADMIN_SECRET_DIR, adminSecret.toString())
                .replace(TrustBundle.SECRET_DIR, secret.toString());
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
        String javaHome = System.getProperty("java.home");
        builder.environment().put("JAVA_HOME", javaHome);
        builder.environment().put("PATH", javaHome + "/bin:" + System.getenv("PATH"));
        builder.environment().put(TrustBundle.PASSWORD_ENV, "changeit");
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("init script finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();

        String merged = Files.readString(out.resolve("ca-bundle.crt"));
        String proxyCaPem = Files.readString(secret.resolve("tls.crt"));
        assertThat(merged).startsWith(Files.readString(systemRoots)).endsWith(proxyCaPem);
        assertThat(out.resolve("proxy-ca.crt")).hasContent(proxyCaPem);
        assertThat(merged).doesNotContain("PRIVATE KEY");

        // the sidecar's copy of the CA key: same bytes, owner-only, so the proxy accepts it as tls.ca_key
        Path keyCopy = privateDir.resolve("tls.key");
        assertThat(keyCopy).hasBinaryContent(Files.readAllBytes(secret.resolve("tls.key")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyCopy))).isEqualTo("r--------");

        // the sidecar's copy of the admin token: owner-only, accepted as its admin.token_file
        Path tokenCopy = privateDir.resolve(TrustBundle.ADMIN_TOKEN_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenCopy))).isEqualTo("r--------");
        assertThat(AdminToken.resolve(new NexusConfig.Admin("127.0.0.1", 0, Optional.empty(), tokenCopy)).reveal())
                .isEqualTo("admin-token-from-the-secret-0123");

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(out.resolve("truststore.p12"))) {
            trust.load(in, "changeit".toCharArray());
        }
        assertThat(trust.getCertificate("nexus-proxy-ca")).isEqualTo(proxyCa);
        assertThat(trust.size()).as("the JDK's public roots are kept").isGreaterThan(50);
    }
}
