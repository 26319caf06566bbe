package dev.nexus.proxy.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;

/**
 * Reads and writes CA certificates and private keys as PEM files. Private keys are created with
 * owner-only permissions from the first byte (never chmod-ed afterwards, so there is no window in
 * which another user could open them), and refused at load when their permissions are wider.
 */
final class CaFileStore {

    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");

    private CaFileStore() {
    }

    /** Reads the first certificate of a PEM file. */
    static X509Certificate readCertificate(Path file) {
        Object pem = readFirstPemObject(file, "certificate");
        if (!(pem instanceof X509CertificateHolder holder)) {
            throw new CaException("CA certificate file " + file + " does not start with a PEM CERTIFICATE block");
        }
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new CaException("CA certificate file " + file + " holds an unreadable certificate: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads an unencrypted EC or RSA private key (PKCS#8 {@code PRIVATE KEY}, or the traditional
     * OpenSSL {@code EC/RSA PRIVATE KEY} forms), after checking that only the owner may access the file.
     *
     * @throws CaPermissionException if group or others have any permission on the file
     */
    static PrivateKey readPrivateKey(Path file) {
        checkOwnerOnly(file);
        Object pem = readFirstPemObject(file, "private key");
        PrivateKeyInfo info;
        if (pem instanceof PrivateKeyInfo pkcs8) {
            info = pkcs8;
        } else if (pem instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else {
            // Deliberately not naming the PEM object: its toString could expose key material.
            throw new CaException("CA private key file " + file
                    + " must hold an unencrypted PEM PRIVATE KEY (PKCS#8), EC or RSA");
        }
        PrivateKey key;
        try {
            key = new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException e) {
            // The converter's message is not passed on: it could describe the key's content.
            throw new CaException("CA private key file " + file + " holds a key this JVM cannot read");
        }
        String algorithm = key.getAlgorithm();
        if (!"EC".equals(algorithm) && !"RSA".equals(algorithm)) {
            throw new CaException("CA private key file " + file + " holds a " + algorithm
                    + " key; only EC and RSA are supported");
        }
        return key;
    }

    /**
     * Writes certificate and key. Without {@code replace} neither file may exist yet; with it each is
     * replaced atomically (written to a temporary file in the same directory, then moved over the old
     * one), so a reader never sees a half-written file.
     */
    static void write(CaFiles files, X509Certificate certificate, PrivateKey key, boolean replace) {
        createParentDirectory(files.certificate());
        createParentDirectory(files.privateKey());
        writeFile(files.privateKey(), pkcs8Pem(key), OWNER_ONLY, replace);
        writeFile(files.certificate(), pem(certificate), PUBLIC_READ, replace);
    }

    /** The PEM text of a certificate, as written to disk and printed by {@code ca export}. */
    static String pem(X509Certificate certificate) {
        return pemText(certificate);
    }

    private static String pkcs8Pem(PrivateKey key) {
        try {
            return pemText(new JcaPKCS8Generator(key, null));
        } catch (PemGenerationException e) {
            throw new CaException("cannot encode the CA private key as PKCS#8");
        }
    }

    private static String pemText(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    private static void checkOwnerOnly(Path file) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (NoSuchFileException e) {
            throw new CaException("CA private key file " + file + " does not exist");
        } catch (UnsupportedOperationException e) {
            throw new CaPermissionException("CA private key file " + file
                    + " is on a file system without POSIX permissions; cannot verify it is private");
        } catch (IOException e) {
            throw new CaException("cannot read the permissions of CA private key file " + file + ": " + e, e);
        }
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw new CaPermissionException("CA private key file " + file + " has permissions "
                    + PosixFilePermissions.toString(permissions) + " (" + octal(permissions)
                    + "); it must be readable and writable by its owner only (0600 or 0400): chmod 600 " + file);
        }
    }

    private static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    private static Object readFirstPemObject(Path file, String what) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object pem = parser.readObject();
            if (pem == null) {
                throw new CaException("CA " + what + " file " + file + " contains no PEM block");
            }
            return pem;
        } catch (NoSuchFileException e) {
            throw new CaException("CA " + what + " file " + file + " does not exist");
        } catch (IOException e) {
            // Parser messages may quote file content; for key files that could be key material.
            throw new CaException("CA " + what + " file " + file + " cannot be read as PEM ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static void createParentDirectory(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new CaException("cannot create CA directory " + parent + ": " + e, e);
        }
    }

    private static void writeFile(Path target, String content, Set<PosixFilePermission> permissions,
                                  boolean replace) {
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(permissions);
        Path written = replace ? target.resolveSibling(target.getFileName() + ".tmp") : target;
        try {
            if (replace) {
                Files.deleteIfExists(written);
            }
            try (SeekableByteChannel channel = Files.newByteChannel(written,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), mode)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
            if (replace) {
                moveReplacing(written, target);
            }
        } catch (FileAlreadyExistsException e) {
            throw new CaException("CA file " + target + " already exists; refusing to overwrite it");
        } catch (UnsupportedOperationException e) {
            throw new CaException("cannot create " + target
                    + " with restricted permissions: the file system has no POSIX permissions");
        } catch (IOException e) {
            throw new CaException("cannot write CA file " + target + ": " + e, e);
        }
    }

    private static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
