package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.testing.LeakDetectionExtension;
import dev.nexus.proxy.tls.TlsProvider;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(LeakDetectionExtension.class)
class MtlsIdentitiesTest {

    private static final String SPIFFE_ID = "spiffe://prod.example/ns/billing/sa/bot";

    private static TestPki agentsCa;
    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() throws Exception {
        agentsCa = TestPki.create("agents CA");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void theSpiffeIdInTheUriSanIsTheIdentity() throws Exception {
        X509Certificate cert = agentsCa.issue("CN=billing-bot", List.of(TestPki.dns("bot.internal"),
                TestPki.uri("https://example.com/not-spiffe"), TestPki.uri(SPIFFE_ID))).certificate();

        assertEquals(new AgentIdentity(SPIFFE_ID, AgentIdentity.Method.MTLS), MtlsIdentities.fromCertificate(cert));
    }

    @Test
    void withoutASpiffeIdTheSubjectCommonNameIsTheIdentity() throws Exception {
        X509Certificate cert = agentsCa.issue("O=Example, CN=report-bot", List.of(TestPki.dns("bot.internal"))).certificate();

        assertEquals(new AgentIdentity("report-bot", AgentIdentity.Method.MTLS), MtlsIdentities.fromCertificate(cert));
    }

    @Test
    void twoSpiffeIdsOrNoNameAtAllNameNobody() throws Exception {
        X509Certificate twoIds = agentsCa.issue("CN=ambiguous", List.of(TestPki.uri(SPIFFE_ID),
                TestPki.uri("spiffe://prod.example/ns/other/sa/bot"))).certificate();
        X509Certificate noName = agentsCa.issue("O=Example", List.of()).certificate();

        assertNull(MtlsIdentities.fromCertificate(twoIds));
        assertNull(MtlsIdentities.fromCertificate(noName));
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.Preference.class, names = {"JDK", "AUTO"})
    void aClientCertificateSignedByTheTrustBundleIdentifiesTheAgentInARealHandshake(TlsProvider.Preference provider,
                                                                                  @TempDir Path dir) throws Exception {
        TestPki.Issued client = agentsCa.issue("CN=ignored-when-spiffe", List.of(TestPki.uri(SPIFFE_ID)));
        try (MtlsListener listener = new MtlsListener(serverContext(provider, dir))) {
            assertEquals("agent " + SPIFFE_ID + " (mtls)", listener.handshakeAndReadIdentity(clientContext(client)));
        }
    }

    @Test
    void aClientWithoutACertificateOrWithOneFromAnotherCaIsRefused(@TempDir Path dir) throws Exception {
        TestPki strangerCa = TestPki.create("stranger CA");
        TestPki.Issued stranger = strangerCa.issue("CN=intruder", List.of(TestPki.uri(SPIFFE_ID)));
        try (MtlsListener listener = new MtlsListener(serverContext(TlsProvider.Preference.JDK, dir))) {
            assertThrows(IOException.class, () -> listener.handshakeAndReadIdentity(clientContext(null)));
            assertThrows(IOException.class, () -> listener.handshakeAndReadIdentity(clientContext(stranger)));
        }
    }

    @Test
    void aBrokenTrustBundleIsAClearStartupError(@TempDir Path dir) throws Exception {
        TestPki.Issued server = serverPki().issue("CN=proxy", List.of(TestPki.ip("127.0.0.1")));
        Path cert = server.writeCertificate(dir.resolve("proxy.pem"));
        Path key = server.writeKey(dir.resolve("proxy-key.pem"));
        Path bundle = java.nio.file.Files.writeString(dir.resolve("bundle.pem"), "not a certificate");

        IdentityConfigException e = assertThrows(IdentityConfigException.class,
                () -> MtlsIdentities.serverContext(TlsProvider.choose(TlsProvider.Preference.JDK), cert, key, bundle));

        assertTrue(e.getMessage().startsWith("mTLS listener: cannot build TLS context from certificate " + cert), e.getMessage());
        assertTrue(e.getMessage().contains("bundle.pem"), e.getMessage());
    }

    private static TestPki serverPkiInstance;

    private static synchronized TestPki serverPki() throws Exception {
        if (serverPkiInstance == null) {
            serverPkiInstance = TestPki.create("proxy CA");
        }
        return serverPkiInstance;
    }

    private static SslContext serverContext(TlsProvider.Preference provider, Path dir) throws Exception {
        TestPki.Issued server = serverPki().issue("CN=proxy", List.of(TestPki.ip("127.0.0.1"), TestPki.dns("localhost")));
        return MtlsIdentities.serverContext(TlsProvider.choose(provider),
                server.writeCertificate(dir.resolve("proxy.pem")), server.writeKey(dir.resolve("proxy-key.pem")),
                agentsCa.ca().writeCertificate(dir.resolve("agents-ca.pem")));
    }

    private static SSLContext clientContext(TestPki.Issued client) throws Exception {
        return TestPki.clientContext(client, serverPki().ca().certificate());
    }

    /** A TLS listener on loopback that answers each handshake with the identity line and closes. */
    private static final class MtlsListener implements AutoCloseable {
        private final Channel channel;

        MtlsListener(SslContext context) throws InterruptedException {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(context.newHandler(ch.alloc()), new IdentityReply());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        }

        String handshakeAndReadIdentity(SSLContext client) throws IOException {
            InetSocketAddress address = (InetSocketAddress) channel.localAddress();
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(address.getAddress(), address.getPort())) {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
                if (line == null) {
                    throw new SSLException("connection closed without an identity (client certificate refused)");
                }
                return line;
            }
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
        }
    }

    private static final class IdentityReply extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (!done.isSuccess()) {
                    ctx.close();
                    return;
                }
                AgentIdentity identity = MtlsIdentities.fromSession(ctx.pipeline().get(SslHandler.class).engine().getSession());
                ctx.writeAndFlush(Unpooled.copiedBuffer(identity + "\n", StandardCharsets.UTF_8))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
