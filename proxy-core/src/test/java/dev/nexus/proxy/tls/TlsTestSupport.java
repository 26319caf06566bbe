package dev.nexus.proxy.tls;

import dev.nexus.proxy.testing.TestTls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/** Helpers shared by the TLS tests: providers to parameterise over, CAs, trust stores, event loops. */
final class TlsTestSupport {

    static final char[] TRUSTSTORE_PASSWORD = "changeit".toCharArray();

    private TlsTestSupport() {
    }

    /** Both TLS implementations; every handshake test runs over each. */
    static Stream<TlsProvider.Preference> providers() {
        return Stream.of(TlsProvider.Preference.OPENSSL, TlsProvider.Preference.JDK);
    }

    /** A freshly generated CA in {@code dir}, loaded as the proxy would at startup. */
    static CertificateAuthority newCa(Path dir) {
        return CertificateAuthority.load(CertificateAuthority.init(dir, false), null);
    }

    /**
     * Writes a PKCS#12 trust store holding only {@code trusted} (as an agent's platform team would)
     * and returns a JDK SSLContext loaded from that file.
     */
    static SSLContext clientTrusting(Path dir, X509Certificate... trusted) throws Exception {
        KeyStore store = TestTls.trustStore(trusted);
        Path file = Files.createTempFile(dir, "truststore", ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, TRUSTSTORE_PASSWORD);
        }
        KeyStore loaded = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            loaded.load(in, TRUSTSTORE_PASSWORD);
        }
        return TestTls.clientTrusting(loaded);
    }

    static EventLoopGroup newEventLoops() {
        return new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }
}
