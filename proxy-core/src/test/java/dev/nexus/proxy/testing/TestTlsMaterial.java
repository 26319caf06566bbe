package dev.nexus.proxy.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A self-signed certificate and its key pair made with Bouncy Castle (RSA 2048 or EC P-256), written as
 * PEM files the way openssl or cert-manager would, or served through a JDK SSLContext.
 */
public record TestTlsMaterial(KeyPair keys, X509Certificate certificate) {

    /** For 127.0.0.1 and localhost; {@code keyAlgorithm} is "RSA" or "EC". */
    public static TestTlsMaterial selfSigned(String commonName, String keyAlgorithm) throws Exception {
        return selfSigned(commonName, keyAlgorithm,
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost"));
    }

    /** For exactly {@code subjectAltNames}; {@code keyAlgorithm} is "RSA" or "EC". */
    public static TestTlsMaterial selfSigned(String commonName, String keyAlgorithm, GeneralName... subjectAltNames)
            throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(keyAlgorithm);
        generator.initialize(keyAlgorithm.equals("RSA") ? 2048 : 256);
        KeyPair keys = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(subjectAltNames));
        String signature = keyAlgorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        X509Certificate certificate = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(signature).build(keys.getPrivate())));
        return new TestTlsMaterial(keys, certificate);
    }

    /** Serves with this certificate; trusts {@code trusted} certificates as clients (for mutual TLS). */
    public SSLContext serverContext(X509Certificate... trusted) throws Exception {
        char[] password = "test".toCharArray();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry("server", keys.getPrivate(), password, new X509Certificate[]{certificate});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keyStore, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(),
                trusted.length == 0 ? null : TestTls.trustManagers(TestTls.trustStore(trusted)), null);
        return context;
    }

    public Path writeCertificate(Path file) throws Exception {
        return TestTls.writePem(file, certificate);
    }

    /** {@code BEGIN PRIVATE KEY} (PKCS#8). */
    public Path writePkcs8Key(Path file) throws Exception {
        return TestTls.writePem(file, new JcaPKCS8Generator(keys.getPrivate(), null));
    }

    /** {@code BEGIN RSA PRIVATE KEY} / {@code BEGIN EC PRIVATE KEY} (PKCS#1 / SEC1). */
    public Path writeTraditionalKey(Path file) throws Exception {
        return TestTls.writePem(file, keys.getPrivate());
    }
}
