package dev.nexus.proxy.testing;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

/** A self-signed origin certificate and clients that trust exactly it. */
public final class TestTls {

    private final SelfSignedCertificate certificate;

    private TestTls(String host) throws Exception {
        certificate = new SelfSignedCertificate(host);
    }

    public static TestTls forHost(String host) throws Exception {
        return new TestTls(host);
    }

    public SslContext serverContext() throws Exception {
        return SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
    }

    public X509Certificate certificate() {
        return certificate.cert();
    }

    /** A JDK SSLContext whose only trust anchor is this certificate. */
    public SSLContext clientContext() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("origin", certificate.cert());
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /** Writes the certificate as PEM, e.g. for {@code curl --cacert}. */
    public Path writePem(Path dir) throws Exception {
        Path pem = dir.resolve("origin.pem");
        Files.copy(certificate.certificate().toPath(), pem);
        return pem;
    }
}
