package dev.nexus.proxy.tls;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;

/**
 * The CA whose leaves agents see when the proxy intercepts TLS. Loaded once at startup from a PEM
 * certificate and a PKCS#8 key (EC or RSA), or generated on first start. The private key file must be
 * private to its owner, and the key never leaves this object except to sign leaves.
 *
 * <p>Rotation: an optional <em>next</em> CA can be configured. Leaves are always signed by the active
 * CA; {@link #exportPem()} prints both so agents can trust the next CA before the switch.
 */
public final class CertificateAuthority {

    private static final System.Logger LOG = System.getLogger(CertificateAuthority.class.getName());

    /** A CA certificate with its private key; {@code toString} never prints the key. */
    record Identity(X509Certificate certificate, PrivateKey privateKey) {
        @Override
        public String toString() {
            return "CA " + certificate.getSubjectX500Principal().getName();
        }
    }

    private final Identity active;
    private final Identity next;

    private CertificateAuthority(Identity active, Identity next) {
        this.active = active;
        this.next = next;
    }

    /**
     * Loads the active CA and, when {@code next} is not null, the next CA for rotation.
     *
     * @throws CaPermissionException if a key file is accessible by group or others
     * @throws CaException if a file is missing, unreadable, not a CA, expired, or the key does not
     *     belong to the certificate
     */
    public static CertificateAuthority load(CaFiles active, CaFiles next) {
        Identity activeIdentity = loadIdentity(active, Instant.now());
        Identity nextIdentity = next == null ? null : loadIdentity(next, Instant.now());
        CertificateAuthority ca = new CertificateAuthority(activeIdentity, nextIdentity);
        LOG.log(Level.INFO, "Loaded {0}", ca);
        return ca;
    }

    /**
     * Loads the active CA, or generates and writes one when neither of its files exists yet (first
     * start). A half-present CA (only the certificate or only the key) is an error, never overwritten.
     */
    public static CertificateAuthority loadOrGenerate(CaFiles active, CaFiles next) {
        if (!active.anyExists()) {
            Identity generated = CaGenerator.generate(Instant.now());
            CaFileStore.write(active, generated.certificate(), generated.privateKey(), false);
            LOG.log(Level.INFO, "Generated a new {0} in {1} and {2}; agents must trust it (nexus-proxy ca export)",
                    generated, active.certificate(), active.privateKey());
        }
        return load(active, next);
    }

    /**
     * Generates a new CA into {@code dir} ({@code ca.crt}, {@code ca.key}).
     *
     * @param force replace an existing CA; without it an existing file is an error
     * @return where the CA was written
     * @throws CaException if a CA file already exists and {@code force} is false
     */
    public static CaFiles init(Path dir, boolean force) {
        CaFiles files = CaFiles.inDirectory(dir);
        if (!force && files.anyExists()) {
            Path existing = Files.exists(files.certificate()) ? files.certificate() : files.privateKey();
            throw new CaException("a CA already exists in " + dir + " (" + existing.getFileName()
                    + "); refusing to overwrite it (use --force to replace it, and make agents trust the new one)");
        }
        Identity generated = CaGenerator.generate(Instant.now());
        CaFileStore.write(files, generated.certificate(), generated.privateKey(), force);
        return files;
    }

    /** PEM of the active CA certificate followed by the next CA's, if configured. */
    public String exportPem() {
        String pem = CaFileStore.pem(active.certificate());
        return next == null ? pem : pem + CaFileStore.pem(next.certificate());
    }

    /** The active CA certificate: issuer of every leaf. */
    public X509Certificate certificate() {
        return active.certificate();
    }

    /** The next CA's certificate, when rotation is configured. */
    public Optional<X509Certificate> nextCertificate() {
        return next == null ? Optional.empty() : Optional.of(next.certificate());
    }

    /** The active CA's key, for the leaf minter only. */
    PrivateKey signingKey() {
        return active.privateKey();
    }

    @Override
    public String toString() {
        return active + " (valid until " + active.certificate().getNotAfter().toInstant() + ")"
                + (next == null ? "" : ", next " + next);
    }

    private static Identity loadIdentity(CaFiles files, Instant now) {
        Objects.requireNonNull(files, "files");
        X509Certificate certificate = CaFileStore.readCertificate(files.certificate());
        PrivateKey key = CaFileStore.readPrivateKey(files.privateKey());
        if (certificate.getBasicConstraints() < 0) {
            throw new CaException("certificate " + files.certificate() + " is not a CA certificate (no CA:true)");
        }
        boolean[] keyUsage = certificate.getKeyUsage();
        if (keyUsage != null && !keyUsage[5]) {
            throw new CaException("CA certificate " + files.certificate() + " lacks the keyCertSign key usage");
        }
        Date notAfter = certificate.getNotAfter();
        if (notAfter.toInstant().isBefore(now)) {
            throw new CaException("CA certificate " + files.certificate() + " expired on " + notAfter.toInstant());
        }
        if (!keyMatches(certificate, key)) {
            throw new CaException("CA private key " + files.privateKey() + " does not belong to certificate "
                    + files.certificate());
        }
        return new Identity(certificate, key);
    }

    private static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
        if (!certificate.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            String algorithm = CertificateSigning.signatureAlgorithm(key);
            byte[] challenge = new byte[32];
            CertificateSigning.RANDOM.nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
