package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nexus.proxy.testing.Curl;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * curl, trusting only the PEM written by {@code ca export}, through a CONNECT front with interception:
 * the way an agent developer would try it. Skipped with a reason when curl is not installed.
 */
class CurlThroughInterceptionTest {

    @TempDir
    static Path dir;
    static Path exportedCa;
    static EventLoopGroup group;

    @BeforeAll
    static void exportCa() throws Exception {
        assumeTrue(Curl.installed(), "curl is not installed; curl interception tests skipped");
        TlsTestSupport.newCa(dir.resolve("ca"));
        exportedCa = dir.resolve("exported-ca.pem");
        try (PrintStream out = new PrintStream(Files.newOutputStream(exportedCa), true, StandardCharsets.US_ASCII)) {
            assertEquals(CaCommands.OK, CaCommands.export(CaFiles.inDirectory(dir.resolve("ca")), null, out, System.err));
        }
        group = TlsTestSupport.newEventLoops();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    static Stream<TlsProvider.Preference> providers() {
        return TlsTestSupport.providers();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void curlReachesTheHostThroughInterceptionTrustingOnlyTheExportedCa(TlsProvider.Preference provider)
            throws Exception {
        CertificateAuthority ca = CertificateAuthority.load(CaFiles.inDirectory(dir.resolve("ca")), null);
        try (InterceptionContexts contexts = new InterceptionContexts(ca, TlsProvider.choose(provider),
                InterceptionSettings.defaults(), new PrometheusRegistry());
             TestConnectFront front = new TestConnectFront(group, contexts)) {

            Curl.Result named = curl(front, "https://api.example.test/from-curl");
            Curl.Result ipv4 = curl(front, "https://127.0.0.1:9443/ip");
            Curl.Result ipv6 = curl(front, "https://[::1]/ip6");

            assertEquals(0, named.exitCode(), named.stderr());
            assertEquals("hello api.example.test /from-curl alpn=http/1.1", named.stdout());
            assertEquals(0, ipv4.exitCode(), ipv4.stderr());
            assertEquals("hello 127.0.0.1 /ip alpn=http/1.1", ipv4.stdout());
            assertEquals(0, ipv6.exitCode(), ipv6.stderr());
            assertEquals("hello [::1] /ip6 alpn=http/1.1", ipv6.stdout());
        }
    }

    private static Curl.Result curl(TestConnectFront front, String url) throws IOException, InterruptedException {
        return Curl.run("--http1.1", "--proxy", "http://127.0.0.1:" + front.port(), "--cacert", exportedCa.toString(),
                url);
    }
}
