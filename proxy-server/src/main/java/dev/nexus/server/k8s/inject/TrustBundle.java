package dev.nexus.server.k8s.inject;

/**
 * Where the CA trust files live and how they are built. The init step writes them into the shared
 * {@value #VOLUME} emptyDir; app containers mount it read-only at {@value #DIR}. App containers never see
 * the CA's private key: only the init step and the sidecar mount the CA Secret.
 */
final class TrustBundle {

    static final String VOLUME = "nexus-ca";
    static final String DIR = "/etc/nexus-ca";
    /** System roots plus the proxy CA: for clients whose variable replaces the whole trust store. */
    static final String MERGED_BUNDLE = DIR + "/ca-bundle.crt";
    /** The proxy CA alone: for NODE_EXTRA_CA_CERTS, which adds to Node's built-in roots. */
    static final String PROXY_CA = DIR + "/proxy-ca.crt";
    /** PKCS12 with the JDK's roots plus the proxy CA, for JVM agents. */
    static final String TRUSTSTORE = DIR + "/truststore.p12";

    /** Where the CA Secret (kubernetes.io/tls: tls.crt, tls.key) is mounted in the init step and the sidecar. */
    static final String SECRET_DIR = "/etc/nexus/ca";
    static final String SECRET_CERT = SECRET_DIR + "/tls.crt";
    static final String SECRET_KEY = SECRET_DIR + "/tls.key";
    /**
     * Memory-backed directory shared by the init step and the sidecar only, holding an owner-only copy of
     * the CA key (the sidecar config's {@code tls.ca_key}): the proxy refuses a key file group or others may
     * read, and files of a Secret volume belong to root.
     */
    static final String PRIVATE_DIR = "/etc/nexus/private";
    static final String PRIVATE_KEY = PRIVATE_DIR + "/tls.key";
    /** Where the admin token Secret is mounted, in the init step only; the file name of the token in it. */
    static final String ADMIN_SECRET_DIR = "/etc/nexus/admin";
    static final String ADMIN_TOKEN_FILE = "admin-token";
    /** The sidecar's owner-only copy of the admin token (its config's {@code admin.token_file}). */
    static final String PRIVATE_ADMIN_TOKEN = PRIVATE_DIR + "/" + ADMIN_TOKEN_FILE;

    /** The roots of the proxy image (Debian/Ubuntu layout), merged with the proxy CA. */
    static final String SYSTEM_ROOTS = "/etc/ssl/certs/ca-certificates.crt";

    /** Env var carrying the truststore password into the init script, so it needs no shell quoting. */
    static final String PASSWORD_ENV = "NEXUS_TRUSTSTORE_PASSWORD";

    private TrustBundle() {
    }

    /**
     * The init step's script: runs in the proxy image, which has a shell, the CA roots and keytool. It copies
     * the CA key and the admin token for the sidecar (created owner-only by the umask), then builds the trust
     * files.
     */
    static String initScript() {
        return String.join("\n",
                "set -eu",
                "(umask 077 && rm -f " + PRIVATE_KEY + " && cp " + SECRET_KEY + " " + PRIVATE_KEY + ")",
                "(umask 077 && rm -f " + PRIVATE_ADMIN_TOKEN + " && cp " + ADMIN_SECRET_DIR + "/" + ADMIN_TOKEN_FILE + " "
                        + PRIVATE_ADMIN_TOKEN + ")",
                "cat " + SYSTEM_ROOTS + " " + SECRET_CERT + " > " + MERGED_BUNDLE,
                "cp " + SECRET_CERT + " " + PROXY_CA,
                "keytool -importkeystore -noprompt -srckeystore \"$JAVA_HOME/lib/security/cacerts\" -srcstorepass changeit"
                        + " -destkeystore " + TRUSTSTORE + " -deststoretype PKCS12 -deststorepass \"$" + PASSWORD_ENV + "\"",
                "keytool -importcert -noprompt -alias nexus-proxy-ca -file " + SECRET_CERT
                        + " -keystore " + TRUSTSTORE + " -storetype PKCS12 -storepass \"$" + PASSWORD_ENV + "\"",
                "");
    }

    /** The JVM flags appended to an app container's JAVA_TOOL_OPTIONS. */
    static String jvmTrustOptions(String password) {
        return "-Djavax.net.ssl.trustStore=" + TRUSTSTORE
                + " -Djavax.net.ssl.trustStoreType=PKCS12"
                + " -Djavax.net.ssl.trustStorePassword=" + password;
    }
}
