package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.tls.TlsProvider;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Agents that prove who they are with a client certificate: the proxy listener speaks TLS, the SPIFFE ID
 * in the agent's certificate is its identity, and routes match on it.
 */
class MtlsThroughProxyTest {

    private static final String BILLING = "spiffe://prod.example/ns/billing/sa/bot";
    private static final String OTHER = "spiffe://prod.example/ns/marketing/sa/bot";

    @TempDir
    Path dir;
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private TestPki agentsCa;
    private TestPki proxyCa;
    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        agentsCa = TestPki.create("agents CA");
        proxyCa = TestPki.create("proxy CA");
        TestPki.Issued listener = proxyCa.issue("CN=proxy", List.of(TestPki.ip("127.0.0.1")));
        var serverContext = MtlsIdentities.serverContext(TlsProvider.choose(TlsProvider.Preference.AUTO),
                listener.writeCertificate(dir.resolve("proxy.pem")), listener.writeKey(dir.resolve("proxy-key.pem")),
                agentsCa.ca().writeCertificate(dir.resolve("agents-ca.pem")));
        origin = TestOrigin.start();
        String policy = """
                version: 1
                defaults: {action: deny}
                routes:
                  - name: billing-only
                    match: {hosts: ["127.0.0.1/32"], ports: [%d], agents: ["spiffe://prod.example/ns/billing/*"]}
                    action: allow
                """.formatted(origin.port());
        IdentityResolver resolver = new IdentityResolver(List.of(AgentIdentity.Method.MTLS), null,
                SourceIdentities.parse(Map.of()));
        proxy = ProxyHarness.builder().policyYaml(policy)
                .agents(new AgentServices(resolver, audit::add, new AgentLabels(Set.of(), List.of()),
                        new AgentMetrics(new PrometheusRegistry()), serverContext))
                .start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
    }

    private String requestAs(String spiffeId) throws Exception {
        TestPki.Issued agent = agentsCa.issue("CN=agent", List.of(TestPki.uri(spiffeId)));
        return exchange(TestPki.clientContext(agent, proxyCa.ca().certificate()));
    }

    private String exchange(SSLContext client) throws Exception {
        Socket plain = new Socket(proxy.address().getAddress(), proxy.address().getPort());
        try (SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1",
                proxy.address().getPort(), true)) {
            tls.setSoTimeout(10_000);
            tls.getOutputStream().write(("GET " + origin.url("/ledger") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            return new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void theSpiffeIdOfTheClientCertificateIsTheAgent() throws Exception {
        assertThat(requestAs(BILLING)).startsWith("HTTP/1.1 200").endsWith("hello from origin");
    }

    @Test
    void anotherWorkloadIsDeniedAndAudited() throws Exception {
        assertThat(requestAs(OTHER)).startsWith("HTTP/1.1 403");
        assertThat(origin.requests()).isEmpty();
        assertThat(audit).anyMatch(event -> event.outcome() == AuditOutcome.DENIED
                && OTHER.equals(event.agent().name()));
    }

    @Test
    void anAgentWithoutACertificateCannotConnect() {
        assertThatThrownBy(() -> exchange(TestPki.clientContext(null, proxyCa.ca().certificate())))
                .isInstanceOf(java.io.IOException.class);
    }
}
