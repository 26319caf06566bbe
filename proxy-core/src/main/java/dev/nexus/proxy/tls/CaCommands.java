package dev.nexus.proxy.tls;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The {@code nexus-proxy ca init} and {@code nexus-proxy ca export} commands, independent of the CLI
 * parser: the server module maps arguments onto these methods and exits with their return value.
 */
public final class CaCommands {

    /** Exit code for success. */
    public static final int OK = 0;
    /** Exit code for a CA problem (existing CA, missing or unsafe files); the message is on stderr. */
    public static final int FAILED = 1;

    private CaCommands() {
    }

    /**
     * {@code ca init [--force] <dir>}: generates a CA into {@code dir} and prints where it went and how
     * to export it. Refuses to overwrite an existing CA unless {@code force}.
     */
    public static int init(Path dir, boolean force, PrintStream out, PrintStream err) {
        try {
            CaFiles files = CertificateAuthority.init(dir, force);
            out.println("CA certificate: " + files.certificate());
            out.println("CA private key: " + files.privateKey() + " (owner-only, keep it secret)");
            out.println("Give agents the certificate: nexus-proxy ca export");
            return OK;
        } catch (CaException e) {
            err.println("ca init: " + e.getMessage());
            return FAILED;
        }
    }

    /**
     * {@code ca export}: prints the PEM of the active CA, then the next CA when rotation is configured
     * ({@code next} may be null), for agents' trust stores.
     */
    public static int export(CaFiles active, CaFiles next, PrintStream out, PrintStream err) {
        try {
            out.print(CertificateAuthority.load(active, next).exportPem());
            return OK;
        } catch (CaException e) {
            err.println("ca export: " + e.getMessage());
            return FAILED;
        }
    }
}
