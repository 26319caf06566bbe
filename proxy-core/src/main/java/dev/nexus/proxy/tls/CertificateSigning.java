package dev.nexus.proxy.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Key generation, serial numbers and signing shared by the CA generator and the leaf minter. */
final class CertificateSigning {

    static final SecureRandom RANDOM = new SecureRandom();

    private CertificateSigning() {
    }

    /** A fresh ECDSA P-256 key pair. */
    static KeyPair newEcP256KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate ECDSA P-256 keys", e);
        }
    }

    /** A fresh RSA 2048 key pair. */
    static KeyPair newRsa2048KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate RSA 2048 keys", e);
        }
    }

    /** A positive random 128-bit serial number (RFC 5280 allows up to 20 octets). */
    static BigInteger randomSerial() {
        return new BigInteger(128, RANDOM).setBit(0);
    }

    /** SHA-256 with the signer key's algorithm: SHA256withECDSA for EC keys, SHA256withRSA for RSA keys. */
    static String signatureAlgorithm(PrivateKey signerKey) {
        return switch (signerKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported signing key algorithm "
                    + signerKey.getAlgorithm() + "; the CA key must be EC or RSA");
        };
    }

    /** Signs the certificate being built with {@code signerKey}. */
    static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signerKey) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(signerKey)).build(signerKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign certificate: " + e.getClass().getSimpleName(), e);
        }
    }
}
