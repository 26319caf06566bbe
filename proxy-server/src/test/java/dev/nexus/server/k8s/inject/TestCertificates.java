package dev.nexus.server.k8s.inject;

import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.testing.TestTlsMaterial;
import org.bouncycastle.asn1.x509.GeneralName;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

/** Self-signed serving certificates for {@code localhost}, written as PEM the way cert-manager or openssl would. */
final class TestCertificates {

    enum KeyFormat { EC_PKCS8, RSA_PKCS1 }

    private TestCertificates() {
    }

    /** Writes {@code tls.crt} and {@code tls.key} into {@code dir}; returns the certificate. */
    static X509Certificate write(Path dir, KeyFormat format) throws Exception {
        TestTlsMaterial material = TestTlsMaterial.selfSigned("localhost",
                format == KeyFormat.EC_PKCS8 ? "EC" : "RSA", new GeneralName(GeneralName.dNSName, "localhost"));
        material.writeCertificate(dir.resolve("tls.crt"));
        if (format == KeyFormat.EC_PKCS8) {
            material.writePkcs8Key(dir.resolve("tls.key"));
        } else {
            material.writeTraditionalKey(dir.resolve("tls.key"));
        }
        return material.certificate();
    }

    /** A client context trusting exactly these certificates, with its own (empty) session cache. */
    static SSLContext trusting(X509Certificate... certificates) throws Exception {
        return TestTls.clientTrusting(TestTls.trustStore(certificates));
    }
}
