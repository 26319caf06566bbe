package dev.nexus.proxy.credentials.nexus;

import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import dev.nexus.proxy.testing.TestTlsMaterial;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS to the Authority: custom CA bundle and client certificates, with real TLS handshakes on loopback. */
class NexusAuthorityTlsTest {

    private static TestTlsMaterial server;
    private static TestTlsMaterial client;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        server = TestTlsMaterial.selfSigned("test-authority", "EC");
        client = TestTlsMaterial.selfSigned("test-proxy", "RSA");
    }

    private NexusAuthoritySource source(TestAuthority authority, Path ca, Path cert, Path key) {
        return new NexusAuthoritySource(NexusAuthoritySettings.of(authority.baseUri(), null).withTls(ca, cert, key),
                new PrometheusRegistry());
    }

    @Test
    void customCaBundleIsTrustedAndTheJvmDefaultIsNot() throws Exception {
        Path ca = server.writeCertificate(dir.resolve("ca.pem"));
        try (TestAuthority authority = TestAuthority.builder().https(server.serverContext()).start()) {
            authority.respond("c1", Reply.apiKey("over-tls", Instant.now().plusSeconds(600)));
            assertTrue(authority.baseUri().toString().startsWith("https://127.0.0.1:"));
            try (NexusAuthoritySource trusting = source(authority, ca, null, null)) {
                assertEquals("over-tls", await(trusting.fetch("c1")).credential("api_key"));
            }
            try (NexusAuthoritySource defaults = source(authority, null, null, null)) {
                assertEquals(Kind.UNAVAILABLE, failure(defaults.fetch("c1")).kind(), "self-signed is not in the JVM trust store");
            }
        }
    }

    @Test
    void clientCertificateWithPkcs8OrPkcs1Key() throws Exception {
        Path ca = server.writeCertificate(dir.resolve("ca.pem"));
        Path cert = client.writeCertificate(dir.resolve("client.pem"));
        Path pkcs8 = client.writePkcs8Key(dir.resolve("client-pkcs8.key"));
        Path pkcs1 = client.writeTraditionalKey(dir.resolve("client-pkcs1.key"));
        assertTrue(Files.readString(pkcs8).contains("BEGIN PRIVATE KEY"));
        assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        try (TestAuthority authority = TestAuthority.builder().httpsWithClientAuth(server.serverContext(client.certificate())).start()) {
            authority.respond("c1", Reply.apiKey("mtls", Instant.now().plusSeconds(600)));
            for (Path key : new Path[]{pkcs8, pkcs1}) {
                try (NexusAuthoritySource mutual = source(authority, ca, cert, key)) {
                    assertEquals("mtls", await(mutual.fetch("c1")).credential("api_key"), key.getFileName().toString());
                }
            }
            try (NexusAuthoritySource anonymous = source(authority, ca, null, null)) {
                assertEquals(Kind.UNAVAILABLE, failure(anonymous.fetch("c1")).kind(), "the server requires a client certificate");
            }
        }
    }

    @Test
    void unusableTlsFilesAreNamedInTheError() throws Exception {
        Path notPem = Files.writeString(dir.resolve("broken.pem"), "not a certificate");
        Path cert = client.writeCertificate(dir.resolve("client.pem"));
        Path certAsKey = cert;
        try (TestAuthority authority = TestAuthority.start()) {
            IllegalArgumentException badCa = assertThrows(IllegalArgumentException.class,
                    () -> source(authority, notPem, null, null));
            assertTrue(badCa.getMessage().contains(notPem.toString()), badCa.getMessage());
            IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
                    () -> source(authority, null, cert, certAsKey));
            assertTrue(noKey.getMessage().contains("no unencrypted private key"), noKey.getMessage());
            assertThrows(IllegalArgumentException.class, () -> source(authority, null, cert, null));
        }
    }
}
