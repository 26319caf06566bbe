package dev.nexus.proxy.tls;

import io.netty.util.NetUtil;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Mints a short-lived leaf certificate for exactly one host, signed by the active CA: a DNS SAN for
 * names, an IP SAN for IPv4/IPv6 literals, CN = host (truncated to the 64 characters X.520 allows),
 * EKU serverAuth, {@code CA:false}, a random 128-bit serial, and a validity starting a few minutes in
 * the past so agents with a slightly slow clock accept it. Key generation makes this slow (ECDSA about
 * a millisecond, RSA far more): call it off the event loop; {@link InterceptionContexts} does.
 */
public final class LeafCertificateMinter {

    /** How far notBefore lies in the past, for agents whose clock runs behind. */
    static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);
    private static final int MAX_COMMON_NAME_LENGTH = 64;

    private final CertificateAuthority ca;
    private final LeafKeyType keyType;
    private final Duration validity;
    private final Clock clock;

    /**
     * @param validity how long a leaf is valid from now (the cache drops it well before that)
     */
    public LeafCertificateMinter(CertificateAuthority ca, LeafKeyType keyType, Duration validity) {
        this(ca, keyType, validity, Clock.systemUTC());
    }

    LeafCertificateMinter(CertificateAuthority ca, LeafKeyType keyType, Duration validity, Clock clock) {
        if (validity.compareTo(Duration.ofMinutes(10)) < 0) {
            throw new IllegalArgumentException("tls.leaf_validity must be at least 10 minutes, got " + validity);
        }
        this.ca = ca;
        this.keyType = keyType;
        this.validity = validity;
        this.clock = clock;
    }

    /** How long minted leaves are valid. */
    public Duration validity() {
        return validity;
    }

    /**
     * A new key pair and leaf for {@code host} (a name or an IP literal, brackets and trailing dot
     * allowed). Blocking and CPU-bound.
     *
     * @throws IllegalArgumentException if the host is neither an IP literal nor an ASCII DNS name
     */
    public LeafCertificate mint(String host) {
        String normalized = HostNames.requireCertifiable(HostNames.normalize(host));
        KeyPair keyPair = keyType.generate();
        X509Certificate issuer = ca.certificate();
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(issuer.getNotAfter().toInstant())) {
            notAfter = issuer.getNotAfter().toInstant();
        }
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                CertificateSigning.randomSerial(), Date.from(now.minus(CLOCK_SKEW_ALLOWANCE)), Date.from(notAfter),
                subject(normalized), keyPair.getPublic());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            int usage = keyType == LeafKeyType.RSA_2048
                    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                    : KeyUsage.digitalSignature;
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(subjectAltName(normalized)))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(issuer));
        } catch (CertIOException | NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot build leaf certificate extensions for " + normalized, e);
        }
        X509Certificate certificate = CertificateSigning.sign(builder, ca.signingKey());
        return new LeafCertificate(normalized, keyPair.getPrivate(), certificate, issuer);
    }

    private static X500Name subject(String host) {
        String commonName = host.length() > MAX_COMMON_NAME_LENGTH ? host.substring(0, MAX_COMMON_NAME_LENGTH) : host;
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static GeneralName subjectAltName(String host) {
        if (HostNames.isIpLiteral(host)) {
            return new GeneralName(GeneralName.iPAddress,
                    new DEROctetString(NetUtil.createByteArrayFromIpAddressString(host)));
        }
        return new GeneralName(GeneralName.dNSName, host);
    }
}
