package dev.nexus.server.runtime;

import dev.nexus.proxy.ProxyServer;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.MetricsAndAccessLog;
import dev.nexus.proxy.transport.Transport;
import dev.nexus.server.admin.ReadinessCheck;
import dev.nexus.server.config.NexusConfig;

import java.time.Duration;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * {@code nexus-proxy run}: the policy, the credential pipeline, agent identity with the audit trail,
 * and the proxy listener, started in that order (so the listener never serves without a policy) and
 * stopped in reverse.
 */
public final class DataPlaneRuntime implements ProxyRuntime {

    private static final Logger LOG = Logger.getLogger(DataPlaneRuntime.class.getName());

    private final RuntimeContext context;
    private PolicyRuntime policy;
    private CredentialRuntime credentials;
    private AgentRuntime agents;
    private TlsComponents tls;
    private ProxyServer server;

    public DataPlaneRuntime(RuntimeContext context) {
        this.context = context;
    }

    @Override
    public void start() throws Exception {
        NexusConfig config = context.config();
        policy = PolicyRuntime.start(config.policy(), context.registry(), context.readiness());
        credentials = CredentialRuntime.start(config, context.registry(), context.readiness(), context.adminRouter());
        agents = AgentRuntime.start(config, context.registry());
        tls = TlsRuntime.start(config.tls(), context.registry());
        Transport transport = Transport.select(config.transport().type().name().toLowerCase(Locale.ROOT));
        // A bind failure names the listener and address itself (proxy or transparent, IPv4 or IPv6).
        server = ProxyServer.start(SettingsMapping.proxySettings(config), transport,
                config.transport().eventLoopThreads(), policy.decider(),
                new CredentialInjector(credentials.leases()), tls, agents.services(),
                new MetricsAndAccessLog(context.metrics(), context.accessLog()));
        StreamsEndpoint.register(context.adminRouter(), server.streams());
        context.readiness().register("proxy listener", () -> server.isListening()
                ? ReadinessCheck.Result.up(String.valueOf(server.boundAddress()))
                : ReadinessCheck.Result.down("not listening"));
    }

    @Override
    public void reload() {
        LOG.info("reload requested (SIGHUP)");
        policy.reload();
    }

    @Override
    public void shutdown(Duration drain) {
        if (server != null) {
            server.shutdown(drain);
        }
        if (tls != null) {
            tls.interception().close();
        }
        if (agents != null) {
            agents.close();
        }
        if (credentials != null) {
            credentials.close();
        }
        try {
            if (policy != null) {
                policy.close();
            }
        } catch (java.io.IOException e) {
            LOG.warning(() -> "closing the policy watcher: " + e.getMessage());
        }
    }
}
