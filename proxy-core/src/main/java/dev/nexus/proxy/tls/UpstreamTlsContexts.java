package dev.nexus.proxy.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for the proxy → origin leg of an intercepted connection, with full verification: the JDK's
 * default trust store (system roots) plus an optional extra CA bundle, hostname verification, SNI for
 * names (none for IP literals), TLS 1.2+ only, ALPN http/1.1 (h2 and http/1.1 for HTTP/2 agents' requests).
 *
 * <p>There is no insecure default. {@link Verification#INSECURE_TRUST_ALL} exists only for routes
 * explicitly marked insecure for testing; every context built with it is logged as a warning.
 */
public final class UpstreamTlsContexts {

    private static final System.Logger LOG = System.getLogger(UpstreamTlsContexts.class.getName());

    /** How the origin's certificate is checked. */
    public enum Verification {
        /** Trusted chain and matching host name required. */
        VERIFY,
        /** Anything accepted. For test routes marked insecure only; logged loudly. */
        INSECURE_TRUST_ALL
    }

    private final TlsProvider provider;
    private final SslContext verifying;
    private final SslContext verifyingH2;

    /**
     * @param extraCaBundle a PEM file with one or more CA certificates trusted in addition to the
     *     system roots, or null
     * @throws IllegalArgumentException if the bundle cannot be read or holds no certificate
     */
    public UpstreamTlsContexts(TlsProvider provider, Path extraCaBundle) {
        this.provider = provider;
        TrustManagerFactory trust = trustManagers(extraCaBundle);
        this.verifying = build(SslContextBuilder.forClient().trustManager(trust), TlsDefaults.HTTP_1_1_ONLY);
        this.verifyingH2 = build(SslContextBuilder.forClient().trustManager(trust), TlsDefaults.H2_AND_HTTP_1_1);
    }

    /**
     * A client SslHandler for a connection to {@code host:port}, verifying the origin. Sets SNI to
     * {@code host} for names and omits it for IP literals; hostname verification checks the DNS SAN
     * or the IP SAN accordingly.
     *
     * @param host the origin host as in the request (IPv6 with or without brackets)
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        return newHandler(alloc, host, port, Verification.VERIFY);
    }

    /**
     * As {@link #newHandler(ByteBufAllocator, String, int)}, offering h2 before http/1.1 by ALPN: the origin's
     * choice ({@link SslHandler#applicationProtocol()}) says which protocol the connection speaks.
     */
    public SslHandler newH2Handler(ByteBufAllocator alloc, String host, int port) {
        return newHandler(verifyingH2, alloc, host, port, Verification.VERIFY);
    }

    /** As {@link #newHandler(ByteBufAllocator, String, int)}, with the route's verification choice. */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port, Verification verification) {
        SslContext context = verification == Verification.VERIFY ? verifying : insecureContext(host, port);
        return newHandler(context, alloc, host, port, verification);
    }

    private static SslHandler newHandler(SslContext context, ByteBufAllocator alloc, String host, int port,
                                         Verification verification) {
        String peerHost = HostNames.normalize(host);
        SSLEngine engine = context.newEngine(alloc, peerHost, port);
        SSLParameters parameters = engine.getSSLParameters();
        if (verification == Verification.VERIFY) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        parameters.setServerNames(HostNames.isIpLiteral(peerHost) ? List.of() : List.of(new SNIHostName(peerHost)));
        engine.setSSLParameters(parameters);
        return new SslHandler(engine);
    }

    private SslContext insecureContext(String host, int port) {
        LOG.log(Level.WARNING, "!!! INSECURE upstream TLS for {0}:{1}: the origin certificate is NOT verified "
                + "(route marked insecure; never use this outside tests) !!!", host, String.valueOf(port));
        return build(SslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .endpointIdentificationAlgorithm(null), TlsDefaults.HTTP_1_1_ONLY);
    }

    private SslContext build(SslContextBuilder builder, ApplicationProtocolConfig alpn) {
        try {
            return builder.sslProvider(provider.sslProvider())
                    .protocols(TlsDefaults.PROTOCOLS)
                    .applicationProtocolConfig(alpn)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the upstream TLS context with " + provider, e);
        }
    }

    private static TrustManagerFactory trustManagers(Path extraCaBundle) {
        try {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            if (extraCaBundle == null) {
                return system;
            }
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int index = 0;
            for (TrustManager manager : system.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate root : x509.getAcceptedIssuers()) {
                        anchors.setCertificateEntry("system-" + index++, root);
                    }
                }
            }
            for (X509Certificate extra : readBundle(extraCaBundle)) {
                anchors.setCertificateEntry("extra-" + index++, extra);
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(anchors);
            return combined;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up the upstream trust store: " + e, e);
        }
    }

    private static List<X509Certificate> readBundle(Path bundle) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(bundle)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("tls.upstream_ca_bundle: file " + bundle + " does not exist");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("tls.upstream_ca_bundle: " + bundle
                    + " is not a PEM certificate bundle: " + e.getMessage(), e);
        }
        List<X509Certificate> result = new ArrayList<>();
        for (Certificate certificate : certificates) {
            result.add((X509Certificate) certificate);
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException("tls.upstream_ca_bundle: " + bundle + " contains no certificate");
        }
        return result;
    }
}
