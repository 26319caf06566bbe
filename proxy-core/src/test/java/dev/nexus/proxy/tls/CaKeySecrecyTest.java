package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nexus.proxy.testing.LogCapture;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA private key must never show up in logs, exception messages (with their causes) or
 * {@code toString()}: this runs every CA code path, successful and failing, with all logging
 * captured, and looks for the key in every encoding it could leak in.
 */
class CaKeySecrecyTest {

    @TempDir
    Path dir;

    @Test
    void caPrivateKeyAppearsInNoLogLineExceptionOrToString() throws Exception {
        List<String> observed = new ArrayList<>();
        CaFiles files;
        CertificateAuthority ca;
        try (LogCapture logs = new LogCapture()) {
            files = CertificateAuthority.init(dir.resolve("ca"), false);
            ca = CertificateAuthority.loadOrGenerate(files, null);
            CertificateAuthority.loadOrGenerate(CaFiles.inDirectory(dir.resolve("generated")), null);
            observed.add(ca.toString());
            observed.add(CertificateAuthority.load(files, CaFiles.inDirectory(dir.resolve("generated"))).toString());
            observed.add(new CertificateAuthority.Identity(ca.certificate(), ca.signingKey()).toString());
            observed.add(new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofHours(1))
                    .mint("api.example.com").toString());
            try (InterceptionContexts contexts = new InterceptionContexts(ca,
                    TlsProvider.choose(TlsProvider.Preference.AUTO), InterceptionSettings.defaults(),
                    new PrometheusRegistry())) {
                contexts.serverContextFor("api.example.com").get(10, TimeUnit.SECONDS);
            }
            observed.addAll(failuresOfBrokenCaFiles(files));
            observed.addAll(logs.lines());
        }

        String keyPem = Files.readString(files.privateKey());
        ECPrivateKey key = (ECPrivateKey) ca.signingKey();
        List<String> secretForms = new ArrayList<>(keyPem.lines()
                .filter(line -> !line.startsWith("-----") && line.length() >= 16)
                .toList());
        secretForms.add(Base64.getEncoder().encodeToString(key.getEncoded()));
        secretForms.add(key.getS().toString(16));
        secretForms.add(key.getS().toString(10));

        assertFalse(observed.isEmpty());
        for (String text : observed) {
            for (String secret : secretForms) {
                assertFalse(text.contains(secret), () -> "CA key material leaked into: " + text);
            }
        }
    }

    /** Every way a broken CA file set fails, as the full stack trace text an operator would see. */
    private List<String> failuresOfBrokenCaFiles(CaFiles good) throws Exception {
        List<String> failures = new ArrayList<>();
        Path keyCopy = dir.resolve("copy/ca.key");
        Files.createDirectories(keyCopy.getParent());

        Files.copy(good.privateKey(), keyCopy);
        Files.setPosixFilePermissions(keyCopy, PosixFilePermissions.fromString("rw-r--r--"));
        failures.add(failure(new CaFiles(good.certificate(), keyCopy)));

        // Key and certificate paths swapped: the key file is parsed as a certificate.
        failures.add(failure(new CaFiles(good.privateKey(), good.certificate())));

        // A corrupted key: one base64 line removed.
        List<String> lines = Files.readAllLines(good.privateKey());
        lines.remove(2);
        Path corrupted = dir.resolve("corrupted/ca.key");
        Files.createDirectories(corrupted.getParent());
        Files.write(corrupted, lines);
        Files.setPosixFilePermissions(corrupted, PosixFilePermissions.fromString("rw-------"));
        failures.add(failure(new CaFiles(good.certificate(), corrupted)));

        // The key of another CA.
        CaFiles other = CertificateAuthority.init(dir.resolve("other"), false);
        failures.add(failure(new CaFiles(other.certificate(), good.privateKey())));
        return failures;
    }

    private static String failure(CaFiles files) {
        CaException e = assertThrows(CaException.class, () -> CertificateAuthority.load(files, null));
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains("BEGIN PRIVATE KEY"), trace::toString);
        return trace.toString();
    }

    @Test
    void failureMessagesStillNameTheFile() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        List<String> lines = Files.readAllLines(files.privateKey());
        lines.remove(2);
        Files.write(files.privateKey(), lines);

        CaException e = assertThrows(CaException.class, () -> CertificateAuthority.load(files, null));

        assertTrue(e.getMessage().contains(files.privateKey().toString()), e.getMessage());
    }
}
