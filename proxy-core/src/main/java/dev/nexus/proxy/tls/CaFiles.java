package dev.nexus.proxy.tls;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where one CA lives on disk: a PEM certificate and a PEM PKCS#8 private key.
 *
 * @param certificate the certificate file ({@code ca.crt} by default)
 * @param privateKey the private key file ({@code ca.key} by default), owner-only permissions
 */
public record CaFiles(Path certificate, Path privateKey) {

    /** The default file names inside a CA directory. */
    public static final String CERTIFICATE_FILE = "ca.crt";
    public static final String PRIVATE_KEY_FILE = "ca.key";

    /** {@code dir/ca.crt} and {@code dir/ca.key}. */
    public static CaFiles inDirectory(Path dir) {
        return new CaFiles(dir.resolve(CERTIFICATE_FILE), dir.resolve(PRIVATE_KEY_FILE));
    }

    /** True when either file exists. */
    boolean anyExists() {
        return Files.exists(certificate) || Files.exists(privateKey);
    }
}
