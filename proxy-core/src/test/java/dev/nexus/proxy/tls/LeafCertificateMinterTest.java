package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeafCertificateMinterTest {

    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    @TempDir
    static Path dir;
    static CertificateAuthority ca;

    @BeforeAll
    static void createCa() {
        ca = TlsTestSupport.newCa(dir);
    }

    private final LeafCertificateMinter minter =
            new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofHours(24));

    @Test
    void leafForANameHasExactlyThatDnsSanAndValidatesAgainstTheCa() throws Exception {
        LeafCertificate leaf = minter.mint("API.Example.COM.");
        X509Certificate cert = leaf.certificate();

        assertEquals("api.example.com", leaf.host());
        assertEquals(List.of(List.of(SAN_DNS, "api.example.com")), sans(cert));
        assertEquals("CN=api.example.com", cert.getSubjectX500Principal().getName());
        validateWithPkix(cert);
    }

    @Test
    void leafIsAServerOnlyEndEntityCertificateWithKeyIdentifiers() throws Exception {
        X509Certificate cert = minter.mint("api.example.com").certificate();

        assertEquals(-1, cert.getBasicConstraints(), "CA:false");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage(), "EKU serverAuth only");
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertTrue(cert.getPublicKey() instanceof ECPublicKey);
        byte[] caSki = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                ca.certificate().getExtensionValue("2.5.29.14")).getOctets()).getKeyIdentifier();
        byte[] leafAki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                cert.getExtensionValue("2.5.29.35")).getOctets()).getKeyIdentifierOctets();
        assertArrayEquals(caSki, leafAki, "AKI names the CA's key");
        assertTrue(cert.getExtensionValue("2.5.29.14") != null, "SKI present");
    }

    @Test
    void validityIsShortAndBackdatedForClockSkew() {
        Instant now = Instant.parse("2030-01-01T12:00:00Z");
        LeafCertificateMinter fixed = new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofHours(24),
                Clock.fixed(now, ZoneOffset.UTC));

        X509Certificate cert = fixed.mint("api.example.com").certificate();

        assertEquals(now.minus(LeafCertificateMinter.CLOCK_SKEW_ALLOWANCE), cert.getNotBefore().toInstant());
        assertEquals(now.plus(Duration.ofHours(24)), cert.getNotAfter().toInstant());
    }

    @Test
    void serialsAre128BitRandomAndDistinct() {
        X509Certificate first = minter.mint("api.example.com").certificate();
        X509Certificate second = minter.mint("api.example.com").certificate();

        assertNotEquals(first.getSerialNumber(), second.getSerialNumber());
        assertTrue(first.getSerialNumber().signum() > 0);
        assertTrue(first.getSerialNumber().bitLength() <= 128);
        assertNotEquals(first.getPublicKey(), second.getPublicKey(), "each leaf has its own key");
    }

    @Test
    void ipv4LiteralGetsAnIpSan() throws Exception {
        X509Certificate cert = minter.mint("127.0.0.1").certificate();

        assertEquals(List.of(List.of(SAN_IP, "127.0.0.1")), sans(cert));
        validateWithPkix(cert);
    }

    @Test
    void bracketedIpv6LiteralGetsAnIpSan() throws Exception {
        X509Certificate cert = minter.mint("[2001:DB8::1]").certificate();

        List<List<?>> sans = sans(cert);
        assertEquals(1, sans.size());
        assertEquals(SAN_IP, sans.get(0).get(0));
        assertEquals(java.net.InetAddress.getByName("2001:db8::1"),
                java.net.InetAddress.getByName((String) sans.get(0).get(1)));
        validateWithPkix(cert);
    }

    @Test
    void longHostIsTruncatedInTheCommonNameButCompleteInTheSan() {
        String host = "a".repeat(60) + ".very-long-label-for-testing.example.com";

        X509Certificate cert = minter.mint(host).certificate();

        assertEquals("CN=" + host.substring(0, 64), cert.getSubjectX500Principal().getName());
        assertEquals(List.of(List.of(SAN_DNS, host)), sans(cert));
    }

    @Test
    void rsaLeavesWhenConfigured() throws Exception {
        LeafCertificateMinter rsa = new LeafCertificateMinter(ca, LeafKeyType.RSA_2048, Duration.ofHours(24));

        X509Certificate cert = rsa.mint("api.example.com").certificate();

        assertEquals(2048, ((RSAPublicKey) cert.getPublicKey()).getModulus().bitLength());
        assertTrue(cert.getKeyUsage()[2], "keyEncipherment for RSA key exchange");
        assertEquals("SHA256withECDSA", cert.getSigAlgName(), "signed with the (EC) CA key");
        validateWithPkix(cert);
    }

    @Test
    void leafSignedByAnotherCaIsNotValid() throws Exception {
        CertificateAuthority other = TlsTestSupport.newCa(dir.resolve("other"));
        X509Certificate foreign = new LeafCertificateMinter(other, LeafKeyType.ECDSA_P256, Duration.ofHours(1))
                .mint("api.example.com").certificate();

        assertThrows(CertPathValidatorException.class, () -> validateWithPkix(foreign));
    }

    @Test
    void hostsThatCannotBeCertifiedAreRejectedNamingTheHost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> minter.mint("bad host"));
        assertTrue(e.getMessage().contains("'bad host'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> minter.mint("a".repeat(64) + ".example.com"));
        assertEquals("under_score.example.com", minter.mint("under_score.example.com").host());
    }

    @Test
    void leafToStringNamesHostButNotKey() {
        LeafCertificate leaf = minter.mint("api.example.com");

        assertTrue(leaf.toString().contains("api.example.com"));
        assertFalse(leaf.toString().toLowerCase().contains("private"));
    }

    @Test
    void validityBelowTenMinutesIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofMinutes(5)));
        assertTrue(e.getMessage().contains("tls.leaf_validity"));
    }

    @Test
    void keyTypeSettingParses() {
        assertEquals(LeafKeyType.RSA_2048, LeafKeyType.parse(" RSA-2048 "));
        assertEquals(LeafKeyType.ECDSA_P256, LeafKeyType.parse("ecdsa-p256"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LeafKeyType.parse("dsa"));
        assertTrue(e.getMessage().contains("'dsa'"));
    }

    private static List<List<?>> sans(X509Certificate cert) {
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            return names == null ? List.of() : List.copyOf(names);
        } catch (java.security.cert.CertificateParsingException e) {
            throw new AssertionError(e);
        }
    }

    private static void validateWithPkix(X509Certificate leaf) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }
}
