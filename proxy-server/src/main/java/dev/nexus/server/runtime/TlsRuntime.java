package dev.nexus.server.runtime;

import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.tls.CaException;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.LeafKeyType;
import dev.nexus.proxy.tls.TlsProvider;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import dev.nexus.server.config.NexusConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * TLS for a running proxy: the interception CA (loaded, or generated on first start in {@code tls.ca_dir};
 * never generated in place of {@code tls.ca_cert}/{@code tls.ca_key}, whose absence means a Secret that
 * failed to mount, not a first start),
 * the leaf-certificate cache, and verified client TLS towards origins, on OpenSSL or the JDK.
 */
final class TlsRuntime {

    private static final Logger LOG = Logger.getLogger(TlsRuntime.class.getName());

    private TlsRuntime() {
    }

    /**
     * Checks, writing nothing, that the CA about to be used is complete, private and valid: the configured
     * one, or the one already in {@code tls.ca_dir}; a {@code ca_dir} with no CA yet passes (first start).
     *
     * @throws CaException naming the file and the problem, in one line
     */
    static void verify(NexusConfig.Tls config) {
        CaFiles active = activeFiles(config);
        if (config.caCert().isPresent()) {
            requireExisting("tls.ca_cert", active.certificate());
            requireExisting("tls.ca_key", active.privateKey());
        }
        if (config.caCert().isPresent() || Files.exists(active.certificate()) || Files.exists(active.privateKey())) {
            CertificateAuthority.load(active, nextFiles(config));
        }
    }

    private static CaFiles activeFiles(NexusConfig.Tls config) {
        return config.caCert().isPresent()
                ? new CaFiles(config.caCert().get(), config.caKey().orElseThrow())
                : CaFiles.inDirectory(config.caDir());
    }

    private static CaFiles nextFiles(NexusConfig.Tls config) {
        return config.nextCaCert().map(cert -> new CaFiles(cert, config.nextCaKey().orElseThrow())).orElse(null);
    }

    static TlsComponents start(NexusConfig.Tls config, PrometheusRegistry registry) {
        TlsProvider provider = TlsProvider.choose(TlsProvider.Preference.parse(config.provider().name()));
        CaFiles active = activeFiles(config);
        CaFiles next = nextFiles(config);
        CertificateAuthority ca;
        if (config.caCert().isPresent()) {
            requireExisting("tls.ca_cert", active.certificate());
            requireExisting("tls.ca_key", active.privateKey());
            ca = CertificateAuthority.load(active, next);
        } else {
            ca = CertificateAuthority.loadOrGenerate(active, next);
        }
        LOG.info(() -> "interception CA " + ca.certificate().getSubjectX500Principal().getName() + " from "
                + active.certificate() + "; agents must trust it (nexus-proxy ca export)");
        LeafKeyType leafKeyType = config.leafKeyType() == NexusConfig.LeafKeyType.RSA
                ? LeafKeyType.RSA_2048 : LeafKeyType.ECDSA_P256;
        InterceptionSettings defaults = InterceptionSettings.defaults();
        InterceptionSettings settings = new InterceptionSettings(leafKeyType, config.leafValidity(),
                config.leafCacheSize(), defaults.mintThreads(), defaults.clientHelloTimeout());
        InterceptionContexts leaves = new InterceptionContexts(ca, provider, settings, registry);
        UpstreamTlsContexts upstream = new UpstreamTlsContexts(provider, config.upstreamCaBundle().orElse(null));
        LOG.fine(() -> "TLS provider " + provider.description().toLowerCase(Locale.ROOT));
        return new TlsComponents(leaves, upstream);
    }

    private static void requireExisting(String field, Path file) {
        if (!Files.exists(file)) {
            throw new CaException(field + ": " + file + " does not exist; a configured CA is never generated"
                    + " (leave tls.ca_cert/tls.ca_key unset to use tls.ca_dir, or run nexus-proxy ca init)");
        }
    }
}
