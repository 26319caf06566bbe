package dev.nexus.proxy.tls;

import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Creates a new self-signed CA for interception: ECDSA P-256, {@code CA:true, pathLen:0} (it signs
 * leaves only, never another CA), key usage keyCertSign and cRLSign, valid for ten years. The subject
 * carries a short random suffix so two installations' CAs are told apart in a trust store.
 */
final class CaGenerator {

    static final Duration VALIDITY = Duration.ofDays(3650);
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private CaGenerator() {
    }

    /** A new CA key pair and its self-signed certificate. */
    static CertificateAuthority.Identity generate(Instant now) {
        KeyPair keyPair = CertificateSigning.newEcP256KeyPair();
        byte[] suffix = new byte[4];
        CertificateSigning.RANDOM.nextBytes(suffix);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, "nexus-proxy CA " + HexFormat.of().formatHex(suffix))
                .addRDN(BCStyle.O, "nexus-proxy")
                .build();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                CertificateSigning.randomSerial(), Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)),
                subject, keyPair.getPublic());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build CA certificate extensions", e);
        }
        X509Certificate certificate = CertificateSigning.sign(builder, keyPair.getPrivate());
        return new CertificateAuthority.Identity(certificate, keyPair.getPrivate());
    }
}
