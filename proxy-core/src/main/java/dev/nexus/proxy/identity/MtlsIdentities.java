package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.tls.TlsProvider;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The {@code mtls} method: agents connect to a TLS proxy listener with a client certificate signed by
 * the configured trust bundle, and the certificate names them. The identity is the SPIFFE ID
 * ({@code spiffe://trust-domain/path}) in the URI subject alternative name, or else the subject CN.
 */
public final class MtlsIdentities {

    /** URI in {@link X509Certificate#getSubjectAlternativeNames()} (RFC 5280 GeneralName tag 6). */
    private static final int SAN_URI = 6;
    private static final String SPIFFE_SCHEME = "spiffe://";

    private MtlsIdentities() {
    }

    /**
     * The server-side context for a TLS proxy listener that requires client certificates.
     *
     * @param certificateChain PEM chain the proxy presents to agents
     * @param privateKey       PEM (PKCS#8) key of that certificate
     * @param trustBundle      PEM CA certificates that sign agent certificates
     */
    public static SslContext serverContext(TlsProvider provider, Path certificateChain, Path privateKey,
                                           Path trustBundle) throws IdentityConfigException {
        try {
            return SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                    .sslProvider(provider.sslProvider())
                    .trustManager(trustBundle.toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (Exception e) {
            throw new IdentityConfigException("mTLS listener: cannot build TLS context from certificate "
                    + certificateChain + ", key " + privateKey + " and trust bundle " + trustBundle + ": "
                    + e.getMessage(), e);
        }
    }

    /** The identity of the peer of an established session, or {@code null} without a usable certificate. */
    static AgentIdentity fromSession(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? fromCertificate(leaf) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /**
     * The identity a (verified) client certificate names: its SPIFFE ID, else its subject CN, else
     * {@code null}. A certificate with more than one SPIFFE ID is ambiguous and names nobody.
     */
    static AgentIdentity fromCertificate(X509Certificate certificate) {
        String spiffe = spiffeId(certificate);
        if (spiffe != null) {
            return spiffe.isEmpty() ? null : new AgentIdentity(spiffe, AgentIdentity.Method.MTLS);
        }
        String cn = commonName(certificate);
        return cn == null ? null : new AgentIdentity(cn, AgentIdentity.Method.MTLS);
    }

    /** The single SPIFFE ID, {@code ""} when there are several, {@code null} when there is none. */
    private static String spiffeId(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return null;
        }
        if (names == null) {
            return null;
        }
        String found = null;
        for (List<?> name : names) {
            if (name.size() >= 2 && Integer.valueOf(SAN_URI).equals(name.get(0)) && name.get(1) instanceof String uri
                    && uri.toLowerCase(Locale.ROOT).startsWith(SPIFFE_SCHEME) && uri.length() > SPIFFE_SCHEME.length()) {
                if (found != null) {
                    return "";
                }
                found = uri;
            }
        }
        return found;
    }

    private static String commonName(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        if (cns.length == 0) {
            return null;
        }
        String cn = IETFUtils.valueToString(cns[0].getFirst().getValue()).trim();
        return cn.isEmpty() ? null : cn;
    }
}
