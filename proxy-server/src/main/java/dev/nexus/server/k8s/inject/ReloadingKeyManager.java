package dev.nexus.server.k8s.inject;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves the webhook's certificate from PEM files and picks up a renewed pair (cert-manager rotates the
 * Secret, the kubelet updates the mounted files) without a restart.
 *
 * <p>At most once per check interval, a handshake looks at the files' modification times; when they
 * changed, the pair is read again. A pair that does not load (for example half-written during the swap)
 * is reported and the current one keeps serving. Each loaded pair gets its own alias, so a handshake that
 * straddles a reload still gets a certificate and key that belong together.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final System.Logger LOG = System.getLogger(ReloadingKeyManager.class.getName());

    private final Path certFile;
    private final Path keyFile;
    private final long checkIntervalNanos;
    private volatile Identity current;
    private volatile Identity previous;
    private volatile long nextCheck;

    private record Identity(String alias, X509Certificate[] chain, PrivateKey key, FileTime certTime, FileTime keyTime) {
    }

    private ReloadingKeyManager(Path certFile, Path keyFile, Duration checkInterval, Identity first) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.checkIntervalNanos = checkInterval.toNanos();
        this.current = first;
        this.nextCheck = System.nanoTime() + checkIntervalNanos;
    }

    /** Loads the pair once; errors name the file, never its content. */
    static ReloadingKeyManager load(Path certFile, Path keyFile, Duration checkInterval) throws IOException {
        return new ReloadingKeyManager(certFile, keyFile, checkInterval, read(certFile, keyFile, 1));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return chooseAlias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return chooseAlias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity identity = byAlias(alias);
        return identity == null ? null : identity.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity identity = byAlias(alias);
        return identity == null ? null : identity.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[]{current.alias()};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    private String chooseAlias(String keyType) {
        reloadIfChanged();
        Identity identity = current;
        // The JDK asks once per key type it could use (EC, RSA, ...); answer only for ours.
        return identity.key().getAlgorithm().equalsIgnoreCase(keyType)
                || ("EC".equalsIgnoreCase(identity.key().getAlgorithm()) && keyType.startsWith("EC"))
                ? identity.alias() : null;
    }

    private Identity byAlias(String alias) {
        Identity now = current;
        if (now.alias().equals(alias)) {
            return now;
        }
        Identity before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }

    private void reloadIfChanged() {
        long now = System.nanoTime();
        if (now - nextCheck < 0) {
            return;
        }
        synchronized (this) {
            if (now - nextCheck < 0) {
                return;
            }
            nextCheck = now + checkIntervalNanos;
            Identity old = current;
            try {
                if (Files.getLastModifiedTime(certFile).equals(old.certTime())
                        && Files.getLastModifiedTime(keyFile).equals(old.keyTime())) {
                    return;
                }
                int generation = Integer.parseInt(old.alias().substring(old.alias().lastIndexOf('-') + 1)) + 1;
                Identity fresh = read(certFile, keyFile, generation);
                previous = old;
                current = fresh;
                LOG.log(System.Logger.Level.INFO, "webhook certificate reloaded from {0}, now valid until {1}",
                        certFile, fresh.chain()[0].getNotAfter().toInstant());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "webhook certificate not reloaded, the previous one keeps serving: {0}",
                        e.getMessage());
            }
        }
    }

    private static Identity read(Path certFile, Path keyFile, int generation) throws IOException {
        FileTime certTime = Files.getLastModifiedTime(certFile);
        FileTime keyTime = Files.getLastModifiedTime(keyFile);
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter certs = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(certFile, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder holder) {
                    chain.add(certs.getCertificate(holder));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + ": not a valid PEM certificate chain", e);
        }
        if (chain.isEmpty()) {
            throw new IOException(certFile + ": no PEM certificate found");
        }
        PrivateKey key = null;
        JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null && key == null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    key = keys.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (o instanceof PrivateKeyInfo info) {
                    key = keys.getPrivateKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Parser messages can quote the input; the file name is enough and leaks nothing.
            throw new IOException(keyFile + ": not a readable PEM private key (PKCS#1, SEC1 or unencrypted PKCS#8)");
        }
        if (key == null) {
            throw new IOException(keyFile + ": no PEM private key found (PKCS#1, SEC1 or unencrypted PKCS#8)");
        }
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new IOException(keyFile + ": the private key does not match the certificate in " + certFile);
        }
        return new Identity("webhook-" + generation, chain.toArray(new X509Certificate[0]), key, certTime, keyTime);
    }
}
