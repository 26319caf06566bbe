package dev.nexus.proxy.testing;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.proxy.ProxyServer;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.transport.Transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A proxy on a free loopback port with real clients pointed at it. The default policy allows every
 * destination, loopback included (tests' origins live there); tests of policy pass their own.
 */
public final class ProxyHarness implements AutoCloseable {

    /** Allows everything, including loopback destinations. */
    public static final PolicyDecider ALLOW_ALL = request ->
            new Decision.Allow("test-allow-all", "test policy allows everything", RouteOptions.PASS_THROUGH,
                    address -> true);

    private final ProxyServer server;
    private final RecordingEvents events = new RecordingEvents();
    private final HttpClient client;

    private ProxyHarness(Builder builder) throws InterruptedException {
        ProxySettings settings = builder.settings.apply(ProxySettings.builder()
                .listenAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))).build();
        server = ProxyServer.start(settings, builder.transport, builder.ioThreads, builder.policy, builder.injector,
                builder.tls, builder.agents, events);
        client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(server.boundAddress()))
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** What a test may change; everything else is the proxy's default. */
    public static final class Builder {
        private UnaryOperator<ProxySettings.Builder> settings = b -> b;
        private PolicyDecider policy = ALLOW_ALL;
        private CredentialInjector injector;
        private TlsComponents tls;
        private AgentServices agents = AgentServices.none();
        private Transport transport = Transport.select("auto");
        private int ioThreads = 1;

        public Builder settings(UnaryOperator<ProxySettings.Builder> value) {
            settings = value;
            return this;
        }

        public Builder policy(PolicyDecider value) {
            policy = value;
            return this;
        }

        /** The policy compiled from {@code yaml} as one {@code policy.yaml}; one with errors fails the test. */
        public Builder policyYaml(String yaml) {
            LoadResult loaded = PolicyLoader.load(List.of(new SourceFile("policy.yaml", yaml)));
            if (!loaded.errors().isEmpty()) {
                throw new AssertionError("the test's policy does not load: " + loaded.errors());
            }
            return policy(loaded.policy()::decide);
        }

        public Builder injector(CredentialInjector value) {
            injector = value;
            return this;
        }

        public Builder agents(AgentServices value) {
            agents = value;
            return this;
        }

        public Builder tls(TlsComponents value) {
            tls = value;
            return this;
        }

        public Builder transport(Transport value, int threads) {
            transport = value;
            ioThreads = threads;
            return this;
        }

        public ProxyHarness start() throws InterruptedException {
            return new ProxyHarness(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static ProxyHarness start() throws InterruptedException {
        return builder().start();
    }

    public static ProxyHarness start(UnaryOperator<ProxySettings.Builder> customise, PolicyDecider policy)
            throws InterruptedException {
        return builder().settings(customise).policy(policy).start();
    }

    public InetSocketAddress address() {
        return server.boundAddress();
    }

    /** {@code http://127.0.0.1:PORT}, for HTTP_PROXY-style settings and {@code curl -x}. */
    public String proxyUrl() {
        return "http://127.0.0.1:" + address().getPort();
    }

    /** A JDK HttpClient whose proxy is this proxy (HTTP/1.1). */
    public HttpClient client() {
        return client;
    }

    public RecordingEvents events() {
        return events;
    }

    public ProxyServer server() {
        return server;
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO);
    }
}
