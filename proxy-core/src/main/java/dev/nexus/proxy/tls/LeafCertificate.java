package dev.nexus.proxy.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * A minted leaf: its key, its certificate and the CA certificate that signed it (the chain the
 * proxy presents). {@code toString} names the host and expiry, never the key.
 */
public final class LeafCertificate {

    private final String host;
    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final X509Certificate issuer;

    LeafCertificate(String host, PrivateKey privateKey, X509Certificate certificate, X509Certificate issuer) {
        this.host = host;
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.issuer = issuer;
    }

    /** The normalised host the leaf was minted for. */
    public String host() {
        return host;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The signing CA's certificate, sent after the leaf in the handshake. */
    public X509Certificate issuer() {
        return issuer;
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    @Override
    public String toString() {
        return "leaf for " + host + " (serial " + certificate.getSerialNumber().toString(16)
                + ", valid until " + notAfter() + ")";
    }
}
