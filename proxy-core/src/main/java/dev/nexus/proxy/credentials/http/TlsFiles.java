package dev.nexus.proxy.credentials.http;

import java.nio.file.Path;
import java.util.Objects;

/**
 * PEM files for TLS to one credential endpoint, and what to call that endpoint in error messages.
 *
 * @param peer              names the endpoint in errors, e.g. {@code authority} or {@code oauth2 token endpoint}
 * @param caBundle          CA certificates trusted instead of the JVM's, or {@code null}
 * @param clientCertificate certificate chain for mutual TLS, or {@code null}
 * @param clientKey         unencrypted PKCS#8 or PKCS#1/SEC1 key of {@code clientCertificate}, or {@code null}
 */
public record TlsFiles(String peer, Path caBundle, Path clientCertificate, Path clientKey) {

    public TlsFiles {
        Objects.requireNonNull(peer, "peer");
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException(peer + " client certificate and client key must be set together");
        }
    }

    /** The JVM's trust store, no client certificate. */
    public static TlsFiles jvmDefaults(String peer) {
        return new TlsFiles(peer, null, null, null);
    }
}
