package dev.nexus.server.runtime;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.identity.IdentityResolver;
import dev.nexus.proxy.identity.Pbkdf2Hash;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.observe.audit.AuditTrail;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.NexusConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentRuntimeTest {

    @TempDir
    Path dir;

    private NexusConfig config(String yaml) throws Exception {
        return new ConfigLoader(name -> null).parse("config.yaml", yaml);
    }

    @Test
    void buildsTheConfiguredChainLabelsAndFileAuditTrail() throws Exception {
        Path agents = Files.writeString(dir.resolve("agents.yaml"), "agents:\n  billing-bot: \""
                + Pbkdf2Hash.create("billing-secret".toCharArray(), 10_000).encode() + "\"\n");
        Path audit = dir.resolve("audit.log");
        NexusConfig config = config("""
                identity:
                  methods: [source, proxy_auth]
                  agents_file: %s
                  sources: {"127.0.0.7": sidecar}
                  spiffe_ids: ["spiffe://prod/*"]
                audit: {target: file, path: %s}
                """.formatted(agents, audit));

        try (AgentRuntime runtime = AgentRuntime.start(config, new PrometheusRegistry())) {
            IdentityResolver resolver = runtime.services().identity();
            String basic = "Basic " + Base64.getEncoder().encodeToString("billing-bot:billing-secret".getBytes(StandardCharsets.UTF_8));

            assertEquals(new IdentityResolver.Identified(new AgentIdentity("sidecar", AgentIdentity.Method.SOURCE)),
                    resolver.resolve(InetAddress.getByName("127.0.0.7"), null, null).get(10, TimeUnit.SECONDS));
            assertEquals(new IdentityResolver.Identified(new AgentIdentity("billing-bot", AgentIdentity.Method.PROXY_AUTH)),
                    resolver.resolve(InetAddress.getByName("127.0.0.8"), null, basic).get(10, TimeUnit.SECONDS));
            assertEquals("billing-bot", runtime.services().labels().label(new AgentIdentity("billing-bot", AgentIdentity.Method.PROXY_AUTH)));
            assertEquals("sidecar", runtime.services().labels().label(new AgentIdentity("sidecar", AgentIdentity.Method.SOURCE)));
            assertEquals("spiffe://prod/*", runtime.services().labels().label(new AgentIdentity("spiffe://prod/a", AgentIdentity.Method.MTLS)));
            assertNull(runtime.services().mtlsListener());

            runtime.services().audit().record(AuditEvent.builder(AuditOutcome.DENIED).route("r", "deny").build());
        }
        List<String> lines = Files.readAllLines(audit);
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).contains("\"outcome\":\"denied\""), lines.get(0));
    }

    @Test
    void withoutIdentityMethodsNothingIsEnforcedAndADisabledAuditTrailIsTheNoOp() throws Exception {
        try (AgentRuntime runtime = AgentRuntime.start(config("audit: {enabled: false}"), new PrometheusRegistry())) {
            assertNull(runtime.services().identity());
            assertSame(AuditTrail.DISABLED, runtime.services().audit());
        }
    }

    @Test
    void aMissingAgentsFileStopsStartupNamingTheFile() throws Exception {
        Path missing = dir.resolve("nope.yaml");
        NexusConfig config = config("identity: {methods: [proxy_auth], agents_file: " + missing + "}");

        StartupException e = assertThrows(StartupException.class, () -> AgentRuntime.start(config, new PrometheusRegistry()));

        assertEquals("identity: " + missing + ": cannot read agents file: no such file", e.getMessage());
    }
}
