package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nexus.proxy.testing.LogCapture;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proxy → origin leg against real TLS origins on loopback, over both providers: trust from the
 * extra CA bundle, SNI and hostname verification for names and IP literals, and the 502 reasons for
 * untrusted, mismatched, expired and too-old-protocol origins.
 */
class UpstreamTlsContextsTest {

    private static final String PROVIDERS = "dev.nexus.proxy.tls.TlsTestSupport#providers";

    @TempDir
    static Path dir;
    static CertificateAuthority originCa;
    static CertificateAuthority strangerCa;
    static Path originCaBundle;
    static EventLoopGroup group;

    @BeforeAll
    static void setUp() throws Exception {
        originCa = TlsTestSupport.newCa(dir.resolve("origin-ca"));
        strangerCa = TlsTestSupport.newCa(dir.resolve("stranger-ca"));
        originCaBundle = dir.resolve("extra-ca.pem");
        Files.writeString(originCaBundle, originCa.exportPem());
        group = TlsTestSupport.newEventLoops();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void originSignedByTheExtraBundleCaIsTrustedWithSniAndAlpn(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(originCa, "localhost"), "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "localhost", origin);

            assertNull(result.failure, () -> "handshake failed: " + result.failure);
            assertEquals("http/1.1", result.applicationProtocol);
            assertEquals(Optional.of("localhost"), origin.sniSeen.poll(5, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void ipv4LiteralOriginIsVerifiedAgainstItsIpSanWithoutSni(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(originCa, "127.0.0.1"), "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "127.0.0.1", origin);

            assertNull(result.failure, () -> "handshake failed: " + result.failure);
            assertEquals(Optional.empty(), origin.sniSeen.poll(5, TimeUnit.SECONDS), "no SNI for an IP literal");
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void ipv6LiteralOriginIsVerifiedAgainstItsIpSanWithoutSni(TlsProvider.Preference preference) throws Exception {
        assumeTrue(ipv6LoopbackAvailable(), "::1 is not configured on this machine; IPv6 origin test skipped");
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(originCa, "::1"), "::1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "[::1]", origin);

            assertNull(result.failure, () -> "handshake failed: " + result.failure);
            assertEquals(Optional.empty(), origin.sniSeen.poll(5, TimeUnit.SECONDS), "no SNI for an IP literal");
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void ipLiteralOriginWithOnlyADnsSanDoesNotMatch(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(originCa, "localhost"), "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "127.0.0.1", origin);

            assertEquals("certificate does not match host 127.0.0.1", result.reason("127.0.0.1"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void originFromAnUnknownCaIsNotTrusted(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(strangerCa, "localhost"), "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "localhost", origin);

            assertEquals(TlsFailureReason.NOT_TRUSTED, result.reason("localhost"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void withoutTheExtraBundleOnlySystemRootsAreTrusted(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(originCa, "localhost"), "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, null), "localhost", origin);

            assertEquals(TlsFailureReason.NOT_TRUSTED, result.reason("localhost"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void selfSignedOriginIsNotTrusted(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        KeyPair keyPair = CertificateSigning.newEcP256KeyPair();
        X500Name subject = new X500Name("CN=localhost");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
                new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 3_600_000),
                subject, keyPair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
        X509Certificate selfSigned = CertificateSigning.sign(builder, keyPair.getPrivate());
        SslContext context = TestTlsOrigin.serverContext(provider.sslProvider(), keyPair.getPrivate(),
                new X509Certificate[] {selfSigned});
        try (TestTlsOrigin origin = new TestTlsOrigin(group, "127.0.0.1", context)) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "localhost", origin);

            assertEquals(TlsFailureReason.NOT_TRUSTED, result.reason("localhost"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void originCertificateForAnotherHostDoesNotMatch(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        try (TestTlsOrigin origin = origin(provider, leaf(originCa, "other.example.test"), "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "localhost", origin);

            assertEquals("certificate does not match host localhost", result.reason("localhost"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void expiredOriginCertificateIsReportedAsExpired(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        Clock threeDaysAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(3)), ZoneOffset.UTC);
        LeafCertificate expired = new LeafCertificateMinter(originCa, LeafKeyType.ECDSA_P256, Duration.ofDays(1),
                threeDaysAgo).mint("localhost");
        try (TestTlsOrigin origin = origin(provider, expired, "127.0.0.1")) {
            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "localhost", origin);

            assertEquals(TlsFailureReason.EXPIRED, result.reason("localhost"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void tls11OnlyOriginIsRefused(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        LeafCertificate leaf = new LeafCertificateMinter(originCa, LeafKeyType.RSA_2048, Duration.ofHours(1))
                .mint("localhost");
        // BoringSSL still implements TLS 1.1 (the JDK disables it), so the old origin is an OpenSSL one.
        assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "OpenSSL unavailable: cannot run a TLS 1.1 origin");
        SslContext tls11 = TestTlsOrigin.serverContext(SslProvider.OPENSSL, leaf.privateKey(),
                new X509Certificate[] {leaf.certificate(), leaf.issuer()}, "TLSv1.1");
        try (TestTlsOrigin origin = new TestTlsOrigin(group, "127.0.0.1", tls11)) {
            assumeTrue(tls11ClientSucceeds(origin), "the TLS 1.1 origin does not accept even a TLS 1.1 client here");

            Handshake result = handshake(new UpstreamTlsContexts(provider, originCaBundle), "localhost", origin);

            assertNotNull(result.failure, "a TLS 1.1-only origin must be refused");
            assertEquals("handshake failed: protocol_version", result.reason("localhost"));
        }
    }

    @ParameterizedTest
    @MethodSource(PROVIDERS)
    void insecureTrustAllIsPerCallAndLoggedLoudly(TlsProvider.Preference preference) throws Exception {
        TlsProvider provider = TlsProvider.choose(preference);
        UpstreamTlsContexts upstream = new UpstreamTlsContexts(provider, originCaBundle);
        try (TestTlsOrigin origin = origin(provider, leaf(strangerCa, "other.example.test"), "127.0.0.1");
             LogCapture logs = new LogCapture(UpstreamTlsContexts.class.getName())) {
            Handshake insecure = handshake(origin, "localhost",
                    ch -> upstream.newHandler(ch.alloc(), "localhost", origin.port(),
                            UpstreamTlsContexts.Verification.INSECURE_TRUST_ALL));
            Handshake verified = handshake(upstream, "localhost", origin);

            assertNull(insecure.failure, () -> "insecure handshake failed: " + insecure.failure);
            assertEquals(TlsFailureReason.NOT_TRUSTED, verified.reason("localhost"), "the default still verifies");
            assertEquals(1, logs.records().stream()
                    .filter(r -> r.getLevel() == Level.WARNING && r.getMessage().contains("INSECURE"))
                    .count(), "exactly one warning, for the one insecure context built");
        }
    }

    @Test
    void missingOrEmptyExtraBundleIsRejectedNamingTheFile() throws Exception {
        TlsProvider jdk = TlsProvider.choose(TlsProvider.Preference.JDK);
        Path missing = dir.resolve("missing.pem");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");

        IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class,
                () -> new UpstreamTlsContexts(jdk, missing));
        IllegalArgumentException noCertificate = assertThrows(IllegalArgumentException.class,
                () -> new UpstreamTlsContexts(jdk, empty));

        assertTrue(noFile.getMessage().contains(missing.toString()), noFile.getMessage());
        assertTrue(noCertificate.getMessage().contains(empty.toString()), noCertificate.getMessage());
    }

    private static LeafCertificate leaf(CertificateAuthority ca, String host) {
        return new LeafCertificateMinter(ca, LeafKeyType.ECDSA_P256, Duration.ofHours(1)).mint(host);
    }

    private static TestTlsOrigin origin(TlsProvider provider, LeafCertificate leaf, String bindAddress)
            throws Exception {
        SslContext context = TestTlsOrigin.serverContext(provider.sslProvider(), leaf.privateKey(),
                new X509Certificate[] {leaf.certificate(), leaf.issuer()});
        return new TestTlsOrigin(group, bindAddress, context);
    }

    private static Handshake handshake(UpstreamTlsContexts upstream, String host, TestTlsOrigin origin)
            throws InterruptedException {
        return handshake(origin, host, ch -> upstream.newHandler(ch.alloc(), host, origin.port()));
    }

    /** Connects to the origin's loopback address with the handler and waits for the handshake. */
    private static Handshake handshake(TestTlsOrigin origin, String host, Function<Channel, SslHandler> tls)
            throws InterruptedException {
        String address = HostNames.normalize(host).contains(":") ? "::1" : "127.0.0.1";
        // Kept here because a failed handshake closes the channel, which may empty the pipeline
        // before this thread could look the handler up.
        AtomicReference<SslHandler> sslHandler = new AtomicReference<>();
        Channel channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        sslHandler.set(tls.apply(ch));
                        ch.pipeline().addLast(sslHandler.get());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // reported through the handshake future
                            }
                        });
                    }
                })
                .connect(new InetSocketAddress(address, origin.port())).sync().channel();
        try {
            Future<Channel> done = sslHandler.get().handshakeFuture();
            assertTrue(done.await(10, TimeUnit.SECONDS), "handshake did not finish within 10 s");
            return new Handshake(done.cause(), done.isSuccess() ? sslHandler.get().applicationProtocol() : null);
        } finally {
            channel.close().sync();
        }
    }

    private static boolean tls11ClientSucceeds(TestTlsOrigin origin) throws Exception {
        SslContext oldClient = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.1")
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .endpointIdentificationAlgorithm(null)
                .build();
        return handshake(origin, "localhost", ch -> oldClient.newHandler(ch.alloc(), "localhost", origin.port()))
                .failure == null;
    }

    private static boolean ipv6LoopbackAvailable() {
        try {
            new java.net.ServerSocket(0, 1, InetAddress.getByName("::1")).close();
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private record Handshake(Throwable failure, String applicationProtocol) {
        String reason(String host) {
            assertNotNull(failure, "expected the handshake to fail");
            return TlsFailureReason.describe(failure, host);
        }
    }
}
