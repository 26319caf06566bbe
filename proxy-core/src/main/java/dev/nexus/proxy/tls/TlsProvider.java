package dev.nexus.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * The TLS implementation behind every {@code SslContext} the proxy builds, for both the agent-facing
 * (leaf) side and the origin-facing (upstream) side. OpenSSL (BoringSSL via netty-tcnative) is faster
 * at handshakes and bulk encryption, so {@code auto} prefers it and falls back to the JDK's TLS when
 * the native library cannot be loaded on this platform.
 */
public final class TlsProvider {

    private static final System.Logger LOG = System.getLogger(TlsProvider.class.getName());

    /** The {@code tls.provider} setting. */
    public enum Preference {
        /** OpenSSL when the native library loads, the JDK otherwise. */
        AUTO,
        /** OpenSSL or fail at startup. */
        OPENSSL,
        /** Always the JDK's TLS. */
        JDK;

        /** Parses {@code auto}, {@code openssl} or {@code jdk} (case-insensitive). */
        public static Preference parse(String setting) {
            try {
                return valueOf(setting.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "tls.provider: expected one of auto, openssl, jdk but got '" + setting + "'", e);
            }
        }
    }

    private final SslProvider sslProvider;

    private TlsProvider(SslProvider sslProvider) {
        this.sslProvider = sslProvider;
    }

    /**
     * Resolves the preference against what this platform offers and logs the choice once.
     *
     * @throws IllegalStateException if OpenSSL is demanded but cannot be loaded; the message says why
     */
    public static TlsProvider choose(Preference preference) {
        TlsProvider chosen = switch (preference) {
            case JDK -> new TlsProvider(SslProvider.JDK);
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("tls.provider is 'openssl' but OpenSSL cannot be loaded: "
                            + OpenSsl.unavailabilityCause());
                }
                yield new TlsProvider(SslProvider.OPENSSL);
            }
            case AUTO -> new TlsProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
        };
        LOG.log(Level.INFO, "TLS provider: {0} (setting {1})", chosen.description(),
                preference.name().toLowerCase(Locale.ROOT));
        return chosen;
    }

    /** The Netty provider to pass to {@code SslContextBuilder.sslProvider}. */
    public SslProvider sslProvider() {
        return sslProvider;
    }

    /** A human-readable name with the library version, for logs and the admin endpoint. */
    public String description() {
        return sslProvider == SslProvider.JDK
                ? "JDK " + System.getProperty("java.version")
                : "OpenSSL " + OpenSsl.versionString();
    }

    @Override
    public String toString() {
        return description();
    }
}
