package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @TempDir
    Path dir;

    @Test
    void initWritesACaThatLoadsBackIdentically() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);

        CertificateAuthority ca = CertificateAuthority.load(files, null);

        X509Certificate written = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(files.certificate()));
        assertEquals(written, ca.certificate());
        assertEquals(written, parsePem(ca.exportPem()).get(0));
        assertTrue(Files.readString(files.privateKey()).startsWith("-----BEGIN PRIVATE KEY-----"),
                "key is written as PKCS#8");
    }

    @Test
    void generatedCaIsAnEcdsaP256LeafOnlyCaValidForTenYears() {
        X509Certificate ca = TlsTestSupport.newCa(dir).certificate();

        assertTrue(ca.getSubjectX500Principal().getName().contains("CN=nexus-proxy CA "),
                ca.getSubjectX500Principal().getName());
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal());
        assertEquals(0, ca.getBasicConstraints(), "CA:true with pathLen 0");
        boolean[] usage = ca.getKeyUsage();
        assertTrue(usage[5] && usage[6], "keyCertSign and cRLSign");
        assertFalse(usage[0], "no digitalSignature: the CA signs certificates only");
        assertEquals("SHA256withECDSA", ca.getSigAlgName());
        assertEquals(256, ((ECPublicKey) ca.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        Duration validity = Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant());
        assertTrue(validity.toDays() >= 3650 && validity.toDays() <= 3651, "validity " + validity);
    }

    @Test
    void twoGeneratedCasHaveDistinctSubjects() {
        X509Certificate first = TlsTestSupport.newCa(dir.resolve("a")).certificate();
        X509Certificate second = TlsTestSupport.newCa(dir.resolve("b")).certificate();

        assertNotEquals(first.getSubjectX500Principal(), second.getSubjectX500Principal());
    }

    @Test
    void keyFileIsOwnerOnlyAndCertificateIsWorldReadable() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey())));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.certificate())));
    }

    @Test
    void keyReadableByGroupIsRefusedNamingFileAndPermissions() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rw-r-----"));

        CaPermissionException e = assertThrows(CaPermissionException.class,
                () -> CertificateAuthority.load(files, null));

        assertTrue(e.getMessage().contains(files.privateKey().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("rw-r-----") && e.getMessage().contains("0640"), e.getMessage());
    }

    @Test
    void executableKeyIsRefusedToo() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rwx------"));

        CaPermissionException e = assertThrows(CaPermissionException.class,
                () -> CertificateAuthority.load(files, null));

        assertTrue(e.getMessage().contains("0700"), e.getMessage());
    }

    @Test
    void readOnlyKeyIsAccepted() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("r--------"));

        CertificateAuthority.load(files, null);
    }

    @Test
    void initRefusesToOverwriteAnExistingCaUnlessForced() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        byte[] key = Files.readAllBytes(files.privateKey());
        byte[] certificate = Files.readAllBytes(files.certificate());

        CaException refused = assertThrows(CaException.class, () -> CertificateAuthority.init(dir, false));
        assertTrue(refused.getMessage().contains("already exists"), refused.getMessage());
        assertArrayEquals(key, Files.readAllBytes(files.privateKey()), "existing key untouched");
        assertArrayEquals(certificate, Files.readAllBytes(files.certificate()), "existing certificate untouched");

        CertificateAuthority.init(dir, true);
        assertFalse(java.util.Arrays.equals(certificate, Files.readAllBytes(files.certificate())), "replaced");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey())));
        CertificateAuthority.load(files, null);
    }

    @Test
    void firstStartGeneratesThenLaterStartsLoadTheSameCa() {
        CaFiles files = CaFiles.inDirectory(dir.resolve("state/ca"));

        X509Certificate first = CertificateAuthority.loadOrGenerate(files, null).certificate();
        X509Certificate second = CertificateAuthority.loadOrGenerate(files, null).certificate();

        assertEquals(first, second);
    }

    @Test
    void halfPresentCaIsAnErrorNotRegenerated() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        Files.delete(files.privateKey());

        CaException e = assertThrows(CaException.class, () -> CertificateAuthority.loadOrGenerate(files, null));

        assertTrue(e.getMessage().contains(files.privateKey().toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());
    }

    @Test
    void keyOfAnotherCaIsRefused() throws Exception {
        CaFiles a = CertificateAuthority.init(dir.resolve("a"), false);
        CaFiles b = CertificateAuthority.init(dir.resolve("b"), false);

        CaException e = assertThrows(CaException.class,
                () -> CertificateAuthority.load(new CaFiles(a.certificate(), b.privateKey()), null));

        assertTrue(e.getMessage().contains("does not belong to certificate " + a.certificate()), e.getMessage());
    }

    @Test
    void rsaCaFromPemFilesLoadsAndSignsLeavesWithSha256WithRsa() throws Exception {
        CaFiles files = writeRsaCa(dir);

        CertificateAuthority ca = CertificateAuthority.load(files, null);
        LeafCertificate leaf = new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofHours(1))
                .mint("rsa.example.test");

        assertEquals("SHA256withRSA", leaf.certificate().getSigAlgName());
        leaf.certificate().verify(ca.certificate().getPublicKey());
    }

    @Test
    void exportPrintsActiveThenNextCaAndLeavesAreSignedByTheActiveOne() throws Exception {
        CaFiles active = CertificateAuthority.init(dir.resolve("active"), false);
        CaFiles next = CertificateAuthority.init(dir.resolve("next"), false);

        CertificateAuthority ca = CertificateAuthority.load(active, next);

        List<X509Certificate> exported = parsePem(ca.exportPem());
        assertEquals(2, exported.size());
        assertEquals(ca.certificate(), exported.get(0));
        assertEquals(ca.nextCertificate().orElseThrow(), exported.get(1));
        LeafCertificate leaf = new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofHours(1))
                .mint("rotating.example.test");
        assertEquals(exported.get(0).getSubjectX500Principal(), leaf.certificate().getIssuerX500Principal());
        leaf.certificate().verify(exported.get(0).getPublicKey());
    }

    @Test
    void nextCaKeyWithWrongPermissionsIsRefusedToo() throws Exception {
        CaFiles active = CertificateAuthority.init(dir.resolve("active"), false);
        CaFiles next = CertificateAuthority.init(dir.resolve("next"), false);
        Files.setPosixFilePermissions(next.privateKey(), PosixFilePermissions.fromString("rw-rw-rw-"));

        CaPermissionException e = assertThrows(CaPermissionException.class,
                () -> CertificateAuthority.load(active, next));

        assertTrue(e.getMessage().contains(next.privateKey().toString()), e.getMessage());
    }

    @Test
    void caCommandsInitAndExportReturnExitCodesAndPrintPem() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int initCode = CaCommands.init(dir, false, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int secondInitCode = CaCommands.init(dir, false, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        ByteArrayOutputStream exported = new ByteArrayOutputStream();
        int exportCode = CaCommands.export(CaFiles.inDirectory(dir), null,
                new PrintStream(exported, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(CaCommands.OK, initCode);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(dir.resolve("ca.crt").toString()));
        assertEquals(CaCommands.FAILED, secondInitCode);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("ca init: a CA already exists in " + dir),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(CaCommands.OK, exportCode);
        assertEquals(CertificateAuthority.load(CaFiles.inDirectory(dir), null).certificate(),
                parsePem(exported.toString(StandardCharsets.UTF_8)).get(0));
        assertFalse(exported.toString(StandardCharsets.UTF_8).contains("PRIVATE KEY"));
    }

    @Test
    void caExportWithUnsafeKeyFailsWithExitCodeAndMessage() throws Exception {
        CaFiles files = CertificateAuthority.init(dir, false);
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rw----r--"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = CaCommands.export(files, null, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertEquals(CaCommands.FAILED, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("rw----r--"), err.toString(StandardCharsets.UTF_8));
    }

    static List<X509Certificate> parsePem(String pem) throws Exception {
        Collection<? extends java.security.cert.Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        return certificates.stream().map(X509Certificate.class::cast).toList();
    }

    /** An RSA CA as an operator might bring it: written by another tool, PKCS#8 key with mode 0600. */
    private static CaFiles writeRsaCa(Path dir) throws Exception {
        KeyPair keyPair = CertificateSigning.newRsa2048KeyPair();
        X500Name subject = new X500Name("CN=Operator RSA CA");
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.TEN,
                new java.util.Date(now - 60_000), new java.util.Date(now + 86_400_000L), subject, keyPair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keyPair.getPublic()));
        X509Certificate certificate = CertificateSigning.sign(builder, keyPair.getPrivate());
        CaFiles files = CaFiles.inDirectory(dir);
        Files.writeString(files.certificate(), CaFileStore.pem(certificate));
        java.io.StringWriter key = new java.io.StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(key)) {
            writer.writeObject(new JcaPKCS8Generator(keyPair.getPrivate(), null));
        }
        Files.writeString(files.privateKey(), key.toString());
        Files.setPosixFilePermissions(files.privateKey(), PosixFilePermissions.fromString("rw-------"));
        return files;
    }
}
