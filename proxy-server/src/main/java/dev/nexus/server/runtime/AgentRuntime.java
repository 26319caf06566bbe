package dev.nexus.server.runtime;

import dev.nexus.policy.pattern.AgentPattern;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.identity.AgentLabels;
import dev.nexus.proxy.identity.AgentsFile;
import dev.nexus.proxy.identity.IdentityConfigException;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.identity.MtlsIdentities;
import dev.nexus.proxy.identity.ProxyAuthenticator;
import dev.nexus.proxy.identity.SourceIdentities;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.LineSink;
import dev.nexus.proxy.observe.StreamLineSink;
import dev.nexus.proxy.observe.audit.AuditSink;
import dev.nexus.proxy.observe.audit.AuditTrail;
import dev.nexus.proxy.observe.audit.RotatingFileSink;
import dev.nexus.proxy.tls.TlsProvider;
import dev.nexus.server.config.NexusConfig;
import io.netty.handler.ssl.SslContext;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Agent identity and the audit trail in a running proxy, built from the {@code identity} and
 * {@code audit} sections: the resolver chain (agents file, source map, mTLS listener context), the
 * bounded metric labels, and the audit sink. Problems with the agents file or the mTLS material stop
 * startup with a message naming the file.
 */
final class AgentRuntime implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AgentRuntime.class.getName());
    /** How long shutdown waits for queued audit events to be written. */
    private static final Duration AUDIT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final AgentServices services;
    private final AuditSink auditSink;

    private AgentRuntime(AgentServices services, AuditSink auditSink) {
        this.services = services;
        this.auditSink = auditSink;
    }

    static AgentRuntime start(NexusConfig config, PrometheusRegistry registry) throws StartupException {
        NexusConfig.Identity identity = config.identity();
        Set<String> labelNames = new LinkedHashSet<>();
        ProxyAuthenticator proxyAuth = null;
        SourceIdentities sources = null;
        SslContext mtlsListener = null;
        try {
            if (identity.agentsFile().isPresent()) {
                AgentsFile agents = AgentsFile.load(identity.agentsFile().get());
                labelNames.addAll(agents.names());
                proxyAuth = new ProxyAuthenticator(agents, identity.authThreads(), identity.authCacheSize(),
                        identity.authCacheTtl());
            }
            if (!identity.sources().isEmpty()) {
                sources = SourceIdentities.parse(identity.sources());
                labelNames.addAll(sources.names());
            }
            NexusConfig.Mtls mtls = identity.mtls();
            if (identity.methods().contains(NexusConfig.IdentityMethod.MTLS)) {
                TlsProvider provider = TlsProvider.choose(TlsProvider.Preference.parse(config.tls().provider().name()));
                mtlsListener = MtlsIdentities.serverContext(provider, mtls.certificate().orElseThrow(),
                        mtls.key().orElseThrow(), mtls.trustBundle().orElseThrow());
            }
        } catch (IdentityConfigException e) {
            if (proxyAuth != null) {
                proxyAuth.close();
            }
            throw new StartupException("identity: " + e.getMessage(), e);
        }
        IdentityResolver resolver = null;
        if (identity.enabled()) {
            List<AgentIdentity.Method> order = new ArrayList<>();
            identity.methods().forEach(m -> order.add(AgentIdentity.Method.parse(m.name().toLowerCase(Locale.ROOT))));
            resolver = new IdentityResolver(order, proxyAuth, sources);
            LOG.info(() -> "agent identity: " + identity.methods().stream()
                    .map(m -> m.name().toLowerCase(Locale.ROOT)).toList() + ", first match wins");
        }
        AgentLabels labels = new AgentLabels(labelNames, identity.spiffeIds().stream().map(AgentPattern::parse).toList());
        AuditSink auditSink = openAudit(config.audit(), registry);
        AgentServices services = new AgentServices(resolver, auditSink == null ? AuditTrail.DISABLED : auditSink, labels,
                new AgentMetrics(registry), mtlsListener);
        return new AgentRuntime(services, auditSink);
    }

    private static AuditSink openAudit(NexusConfig.Audit audit, PrometheusRegistry registry) throws StartupException {
        if (!audit.enabled()) {
            return null;
        }
        LineSink sink;
        if (audit.target() == NexusConfig.AuditTarget.FILE) {
            try {
                sink = new RotatingFileSink(audit.path().orElseThrow(), audit.maxFileBytes(), audit.maxFiles());
            } catch (IOException e) {
                throw new StartupException("audit.path: cannot open " + audit.path().orElseThrow() + " for appending: "
                        + e.getMessage(), e);
            }
        } else {
            sink = StreamLineSink.stdout();
        }
        return new AuditSink(sink, audit.queueSize(), AUDIT_CLOSE_TIMEOUT, registry);
    }

    /** Identity, audit, labels and metrics for the proxy listener. */
    AgentServices services() {
        return services;
    }

    @Override
    public void close() {
        if (services.identity() != null) {
            services.identity().close();
        }
        if (auditSink != null) {
            auditSink.close();
        }
    }
}
