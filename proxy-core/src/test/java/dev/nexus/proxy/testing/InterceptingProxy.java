package dev.nexus.proxy.testing;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.settings.ProxySettings;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.TlsProvider;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A proxy whose one route intercepts every CONNECT and injects {@link #SECRET} as {@code X-API-Key}, with
 * a fresh CA in a temporary directory and upstream TLS trusting a given origin certificate. It records
 * every policy question, so tests see the scheme the policy decided for, every audit event, and its leaf cache.
 */
public final class InterceptingProxy implements AutoCloseable {

    public static final String SECRET = "intercepted-secret-value";
    /**
     * What an agent reads where an origin echoes {@link #SECRET}: response redaction masks it byte for byte, so
     * seeing the mask in an echo proves the origin received exactly the secret and the agent never did.
     */
    public static final String ECHOED_SECRET = "*".repeat(SECRET.length());
    public static final String ROUTE = "api";

    private final CertificateAuthority ca;
    private final InterceptionContexts leaves;
    private final ProxyHarness proxy;
    private final Path caPem;
    private final List<PolicyRequest> policyRequests = new CopyOnWriteArrayList<>();
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();

    /**
     * @param originTrust PEM of the origin certificate upstream TLS trusts ({@code null}: plain origins only)
     * @param provider    the TLS implementation of both the agent's and the origin's side
     */
    public InterceptingProxy(Path dir, Path originTrust, TlsProvider.Preference provider,
                             InterceptionSettings interception, UnaryOperator<ProxySettings.Builder> settings)
            throws Exception {
        ca = CertificateAuthority.loadOrGenerate(CaFiles.inDirectory(dir.resolve("ca")), null);
        caPem = Files.writeString(dir.resolve("nexus-ca.pem"), ca.exportPem());
        TlsProvider tls = TlsProvider.choose(provider);
        leaves = new InterceptionContexts(ca, tls, interception, new PrometheusRegistry());
        FixedLeases credentials = new FixedLeases().add("conn",
                new StrategySpec("header", Map.of("header_name", "X-API-Key")), v -> Map.of("api_key", SECRET));
        RouteOptions options = new RouteOptions(true, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false);
        PolicyDecider policy = request -> {
            policyRequests.add(request);
            return new Decision.Inject(ROUTE, "test route", options, address -> true, "conn", null);
        };
        AgentServices anonymous = AgentServices.none();
        proxy = ProxyHarness.builder().policy(policy).settings(settings)
                .injector(new CredentialInjector(credentials))
                .agents(new AgentServices(null, audit::add, anonymous.labels(), anonymous.metrics(), null))
                .tls(new TlsComponents(leaves, new UpstreamTlsContexts(tls, originTrust))).start();
    }

    public InterceptingProxy(Path dir, Path originTrust, InterceptionSettings interception,
                             UnaryOperator<ProxySettings.Builder> settings) throws Exception {
        this(dir, originTrust, TlsProvider.Preference.AUTO, interception, settings);
    }

    public InterceptingProxy(Path dir, Path originTrust) throws Exception {
        this(dir, originTrust, InterceptionSettings.defaults(), b -> b);
    }

    public ProxyHarness harness() {
        return proxy;
    }

    /** The proxy CA as PEM on disk, for {@code curl --cacert} and Node's {@code ca}. */
    public Path caPem() {
        return caPem;
    }

    /** The proxy CA's certificate, the issuer of every leaf the agent sees. */
    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /** A JDK SSLContext trusting only the proxy's CA. */
    public SSLContext agentTls() throws Exception {
        return TestTls.clientTrusting(TestTls.trustStore(ca.certificate()));
    }

    /** The leaves minted for the agent's side, with their cache counters. */
    public InterceptionContexts leaves() {
        return leaves;
    }

    public List<PolicyRequest> policyRequests() {
        return policyRequests;
    }

    /** Every audit event the proxy wrote, in order. */
    public List<AuditEvent> audit() {
        return audit;
    }

    @Override
    public void close() {
        proxy.close();
        leaves.close();
    }
}
