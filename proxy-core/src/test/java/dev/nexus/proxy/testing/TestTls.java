package dev.nexus.proxy.testing;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

/**
 * TLS material for tests: a self-signed origin certificate with clients that trust exactly it, and the
 * shared steps other TLS helpers build on (trust stores, trusting SSLContexts, PEM files).
 */
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

    /** A server context that picks from {@code protocols} by ALPN (e.g. {@code h2}, or {@code http/1.1} only). */
    public SslContext serverContext(String... protocols) throws Exception {
        return SslContextBuilder.forServer(certificate.key(), certificate.cert())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols))
                .build();
    }

    public X509Certificate certificate() {
        return certificate.cert();
    }

    /** A JDK SSLContext whose only trust anchor is this certificate. */
    public SSLContext clientContext() throws Exception {
        return clientTrusting(trustStore(certificate.cert()));
    }

    /** Writes the private key as PEM (PKCS#8), for servers that load their key from a file. */
    public Path writeKeyPem(Path dir) throws Exception {
        return writePem(dir.resolve("origin-key.pem"), new JcaPKCS8Generator(certificate.key(), null));
    }

    /** Writes the certificate as PEM, e.g. for {@code curl --cacert}. */
    public Path writePem(Path dir) throws Exception {
        return writePem(dir.resolve("origin.pem"), certificate.cert());
    }

    /** An in-memory PKCS#12 trust store holding exactly {@code trusted}. */
    public static KeyStore trustStore(X509Certificate... trusted) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            store.setCertificateEntry("trusted-" + i, trusted[i]);
        }
        return store;
    }

    /** Trust managers that accept exactly the certificates in {@code trustStore}. */
    public static TrustManager[] trustManagers(KeyStore trustStore) throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trustStore);
        return factory.getTrustManagers();
    }

    /** A JDK client SSLContext (no client certificate) trusting only what {@code trustStore} holds. */
    public static SSLContext clientTrusting(KeyStore trustStore) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers(trustStore), null);
        return context;
    }

    /** Writes one object (certificate, key, PKCS#8 generator...) as PEM to {@code file}. */
    public static Path writePem(Path file, Object pemObject) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(pemObject);
        }
        return Files.writeString(file, text.toString());
    }
}
