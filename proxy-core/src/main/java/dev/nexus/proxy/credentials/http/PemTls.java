package dev.nexus.proxy.credentials.http;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;

/**
 * Builds the TLS context for a credential endpoint (the Authority, an OAuth 2 token endpoint) from PEM
 * files: an optional CA bundle that replaces the JVM trust store (like curl's {@code --cacert}) and an
 * optional client certificate and key for mutual TLS. Errors name the peer, the file and what was
 * expected; key material never appears in them.
 */
final class PemTls {

    private PemTls() {
    }

    /** The context for {@code files}, or {@code null} when the JVM defaults apply. */
    static SSLContext sslContext(TlsFiles files) {
        if (files.caBundle() == null && files.clientCertificate() == null) {
            return null;
        }
        String peer = files.peer();
        try {
            TrustManagerFactory trust = null;
            if (files.caBundle() != null) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trustStore(files.caBundle(), peer));
            }
            KeyManagerFactory keys = null;
            if (files.clientCertificate() != null) {
                char[] password = new char[0];
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                Certificate[] chain = certificates(files.clientCertificate(), peer + " client certificate")
                        .toArray(Certificate[]::new);
                store.setKeyEntry("client", privateKey(files.clientKey(), peer), password, chain);
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    new SecureRandom());
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot set up TLS to " + peer + ": " + e, e);
        }
    }

    private static KeyStore trustStore(Path caBundle, String peer) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int index = 0;
        for (Certificate certificate : certificates(caBundle, peer + " CA bundle")) {
            store.setCertificateEntry("ca-" + index++, certificate);
        }
        return store;
    }

    private static Collection<? extends Certificate> certificates(Path file, String what) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(what + " " + file + " holds no PEM certificate");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + " " + file + " is not a PEM certificate file", e);
        }
    }

    /** Reads an unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1/SEC1 ({@code BEGIN RSA/EC PRIVATE KEY}) key. */
    private static PrivateKey privateKey(Path file, String peer) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (item instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException e) {
            // The parser's message may quote PEM content; report only the file.
            throw new IllegalArgumentException(peer + " client key " + file + " could not be read ("
                    + e.getClass().getSimpleName() + ")");
        }
        throw new IllegalArgumentException(peer + " client key " + file + " holds no unencrypted private key "
                + "(expected 'BEGIN PRIVATE KEY' or 'BEGIN RSA PRIVATE KEY' / 'BEGIN EC PRIVATE KEY')");
    }
}
