package dev.nexus.proxy.observe.audit;

import dev.nexus.proxy.testing.HeldLineSink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.policy.match.ConnectionChoices;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.inject.InjectionFailures;
import dev.nexus.proxy.inject.InjectionPlan;
import dev.nexus.proxy.strategy.Strategies;
import dev.nexus.proxy.strategy.StrategyOptions;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.observe.LineSink;
import dev.nexus.proxy.testing.LogCapture;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditSinkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "sk-live-0123456789abcdef";

    private static AuditEvent injected(int n) {
        return AuditEvent.builder(AuditOutcome.INJECTED)
                .time(1_700_000_000_123L)
                .agent(new AgentIdentity("billing-bot", AgentIdentity.Method.PROXY_AUTH))
                .route("stripe", "inject")
                .connection("conn-" + n)
                .destination("https", "api.stripe.com", 443)
                .request("POST", "/v1/charges?api_key=" + SECRET + "&n=" + n)
                .upstreamStatus(201)
                .strategy("header")
                .leaseAgeMillis(4200)
                .protocol("h2")
                .grpc("/billing.v1.Charges/Create", 0)
                .build();
    }

    @Test
    void eachEventIsOneJsonLineWithEveryFieldAndNoQueryString() throws Exception {
        HeldLineSink sink = new HeldLineSink(false);
        try (AuditSink audit = new AuditSink(sink, 16, Duration.ofSeconds(5), new PrometheusRegistry())) {
            audit.record(injected(1));
            audit.record(AuditEvent.builder(AuditOutcome.PROXY_AUTH_REQUIRED).time(1_700_000_000_999L)
                    .destination("http", "example.com", 80).request("GET", "/a#frag").reason("wrong_secret").build());
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.lines.size() == 2);
        }

        JsonNode first = JSON.readTree(sink.lines.get(0));
        List<String> names = new ArrayList<>();
        first.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("time", "outcome", "agent", "agent_method", "route", "action", "connection", "scheme", "host",
                "port", "method", "path", "upstream_status", "strategy", "lease_age_ms", "protocol", "grpc_method",
                "grpc_status"), names);
        assertEquals("2023-11-14T22:13:20.123Z", first.get("time").asText());
        assertEquals("injected", first.get("outcome").asText());
        assertEquals("billing-bot", first.get("agent").asText());
        assertEquals("proxy_auth", first.get("agent_method").asText());
        assertEquals("/v1/charges", first.get("path").asText());
        assertEquals(443, first.get("port").asInt());
        assertEquals(201, first.get("upstream_status").asInt());
        assertEquals(4200, first.get("lease_age_ms").asLong());
        assertEquals("h2", first.get("protocol").asText());
        assertEquals("/billing.v1.Charges/Create", first.get("grpc_method").asText());
        assertEquals(0, first.get("grpc_status").asInt());
        assertFalse(sink.lines.get(0).contains(SECRET));
        assertFalse(sink.lines.get(0).contains("api_key"));
        assertEquals("{\"time\":\"2023-11-14T22:13:20.999Z\",\"outcome\":\"proxy_auth_required\",\"scheme\":\"http\","
                + "\"host\":\"example.com\",\"port\":80,\"method\":\"GET\",\"path\":\"/a\",\"reason\":\"wrong_secret\"}",
                sink.lines.get(1));
    }

    @Test
    void decisionsAndPlansFillRouteConnectionStrategyAndLeaseAgeButNoCredential() throws Exception {
        Decision.Inject inject = new Decision.Inject("stripe", "test", RouteOptions.PASS_THROUGH, address -> true,
                "stripe-prod", null, ConnectionChoices.NONE);
        Lease lease = new Lease("stripe-prod", StrategySpec.of("header"), Map.of("api_key", SECRET), null,
                Instant.ofEpochMilli(1_000));
        InjectionPlan plan = new InjectionPlan(inject, lease, Strategies.create(lease.strategy(), StrategyOptions.DEFAULT));

        AuditEvent injected = plan.describe(AuditEvent.builder(AuditOutcome.INJECTED), 6_500).build();
        AuditEvent denied = AuditEvent.builder(AuditOutcome.DENIED)
                .decision(new Decision.Deny(null, "no route matched, default deny", null)).build();

        assertEquals("stripe", injected.route());
        assertEquals("inject", injected.action());
        assertEquals("stripe-prod", injected.connection());
        assertEquals("header", injected.strategy());
        assertEquals(5_500, injected.leaseAgeMillis());
        assertFalse(injected.toString().contains(SECRET));
        assertEquals("deny", denied.action());
        assertEquals(null, denied.route());
    }

    @Test
    void credentialFailuresMapToTheirOutcomes() {
        assertEquals(AuditOutcome.REVOKED, InjectionFailures.auditOutcome(new CredentialException(CredentialException.Kind.REVOKED, "c", null)));
        assertEquals(AuditOutcome.REVOKED, InjectionFailures.auditOutcome(new CredentialException(CredentialException.Kind.NOT_FOUND, "c", null)));
        assertEquals(AuditOutcome.ATTENTION_REQUIRED, InjectionFailures.auditOutcome(new java.util.concurrent.CompletionException(
                new CredentialException(CredentialException.Kind.ATTENTION_REQUIRED, "c", null))));
        assertEquals(AuditOutcome.AUTHORITY_UNAVAILABLE, InjectionFailures.auditOutcome(new CredentialException(CredentialException.Kind.UNAVAILABLE, "c", null)));
        assertEquals(AuditOutcome.CREDENTIAL_ERROR, InjectionFailures.auditOutcome(new IllegalStateException("strategy")));
    }

    @Test
    void aFloodAgainstAStuckSinkNeverBlocksTheCallerAndEveryDropIsCounted() throws Exception {
        int capacity = 64;
        int flood = 20_000;
        HeldLineSink sink = new HeldLineSink(true);
        PrometheusRegistry registry = new PrometheusRegistry();
        try (LogCapture logs = new LogCapture();
             AuditSink audit = new AuditSink(sink, capacity, Duration.ofSeconds(10), registry, Duration.ofMinutes(10))) {
            audit.record(injected(0));
            assertTrue(sink.writing.await(10, TimeUnit.SECONDS), "the writer thread took the first event");

            long started = System.nanoTime();
            for (int i = 1; i <= flood; i++) {
                audit.record(injected(i));
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertTrue(elapsedMillis < 5_000, "recording must not wait for the sink, took " + elapsedMillis + " ms");
            assertEquals(flood - capacity, audit.droppedCount());
            assertEquals(flood - capacity, droppedMetric(registry));
            long warnings = logs.text().lines().filter(l -> l.contains("audit: dropping events")).count();
            assertEquals(1, warnings, "one rate-limited warning, not one per drop");

            sink.release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.lines.size() == capacity + 1);
        }
        assertEquals(capacity + 1, sink.lines.size());
        assertTrue(sink.lines.get(0).contains("\"connection\":\"conn-0\""));
        assertTrue(sink.lines.get(capacity).contains("\"connection\":\"conn-" + capacity + "\""));
    }

    private static double droppedMetric(PrometheusRegistry registry) {
        return registry.scrape().stream()
                .filter(snapshot -> snapshot.getMetadata().getPrometheusName().equals("nexus_audit_dropped"))
                .map(snapshot -> ((CounterSnapshot) snapshot).getDataPoints().get(0).getValue())
                .findFirst().orElseThrow();
    }

    @Test
    void theFileSinkRotatesBySizeAndKeepsTheConfiguredNumberOfFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("audit.log");
        int events = 200;
        try (AuditSink audit = new AuditSink(new RotatingFileSink(file, 2_000, 3), 1024, Duration.ofSeconds(10),
                new PrometheusRegistry())) {
            for (int i = 0; i < events; i++) {
                audit.record(injected(i));
            }
        }

        assertTrue(Files.exists(file));
        assertTrue(Files.exists(dir.resolve("audit.log.1")));
        assertTrue(Files.exists(dir.resolve("audit.log.2")));
        assertFalse(Files.exists(dir.resolve("audit.log.3")));
        List<String> kept = new ArrayList<>();
        for (String name : List.of("audit.log.2", "audit.log.1", "audit.log")) {
            Path part = dir.resolve(name);
            assertTrue(Files.size(part) <= 2_000, name + " is " + Files.size(part) + " bytes");
            kept.addAll(Files.readAllLines(part, StandardCharsets.UTF_8));
        }
        for (String line : kept) {
            assertEquals('{', line.charAt(0));
            assertFalse(line.contains(SECRET));
        }
        Iterator<String> lines = kept.iterator();
        int expected = events - kept.size();
        while (lines.hasNext()) {
            assertTrue(lines.next().contains("\"connection\":\"conn-" + expected++ + "\""), "lines in order, newest last");
        }
        assertEquals(events, expected);
    }

    @Test
    void aFileSinkAppendsToAnExistingFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("audit.log"), "{\"earlier\":true}\n");
        try (AuditSink audit = new AuditSink(new RotatingFileSink(file, 1 << 20, 2), 8, Duration.ofSeconds(10),
                new PrometheusRegistry())) {
            audit.record(injected(7));
        }

        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals("{\"earlier\":true}", lines.get(0));
    }
}
