package dev.nexus.server.k8s.inject;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;

/** Self-signed serving certificates for {@code localhost}, written as PEM the way cert-manager or openssl would. */
final class TestCertificates {

    enum KeyFormat { EC_PKCS8, RSA_PKCS1 }

    private TestCertificates() {
    }

    /** Writes {@code tls.crt} and {@code tls.key} into {@code dir}; returns the certificate. */
    static X509Certificate write(Path dir, KeyFormat format) throws Exception {
        KeyPairGenerator generator;
        String signature;
        if (format == KeyFormat.EC_PKCS8) {
            generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            signature = "SHA256withECDSA";
        } else {
            generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            signature = "SHA256withRSA";
        }
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), name, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder(signature).build(pair.getPrivate())));
        Files.writeString(dir.resolve("tls.crt"), pem(cert));
        Files.writeString(dir.resolve("tls.key"), format == KeyFormat.EC_PKCS8
                ? pem(new JcaPKCS8Generator(pair.getPrivate(), null))
                : pem(pair.getPrivate()));
        return cert;
    }

    /** A client context trusting exactly these certificates, with its own (empty) session cache. */
    static SSLContext trusting(X509Certificate... certificates) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            trust.setCertificateEntry("cert-" + i, certificates[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
