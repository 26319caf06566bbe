package dev.nexus.proxy.credentials;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.redis.LeaseCipher;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.identity.AgentLabels;
import dev.nexus.proxy.observe.AgentMetrics;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.services.TlsComponents;
import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.streams.StreamKind;
import dev.nexus.proxy.testing.EventStreamOrigin;
import dev.nexus.proxy.testing.RedisServers;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestTls;
import dev.nexus.proxy.tls.CaFiles;
import dev.nexus.proxy.tls.CertificateAuthority;
import dev.nexus.proxy.tls.InterceptionContexts;
import dev.nexus.proxy.tls.InterceptionSettings;
import dev.nexus.proxy.tls.TlsProvider;
import dev.nexus.proxy.tls.UpstreamTlsContexts;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Long-lived exchanges end with their credential. Two replicas share a real Redis; agents hold a real WebSocket
 * (the JDK client, {@code wss} through an intercepted CONNECT to a Netty WebSocket origin) or a real event
 * stream (the JDK client reading {@code text/event-stream} line by line) on an inject route of replica A.
 * A revocation learnt on replica B, an invalidation on A and the route's lifetimes end them, each within its
 * bound, with a Close frame 1008 for the WebSocket, a cut (never complete-looking) body for the event stream,
 * and one audit record each.
 */
class StreamRevocationTest {

    private static final Duration STORE_READY = Duration.ofSeconds(15);
    private static final Duration OPEN_DEADLINE = Duration.ofSeconds(10);
    private static final String CONNECTION = "live";

    @TempDir
    Path dir;
    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final List<AuditEvent> auditOnA = new CopyOnWriteArrayList<>();
    private final String namespace = "streams:" + UUID.randomUUID() + ":";
    private TestAuthority authority;
    private CertificateAuthority ca;
    private ProxyReplica a;
    private ProxyReplica b;

    /** The test Authority, a WebSocket origin over TLS, and replicas A and B on one Redis namespace. */
    private TestOrigin start(RouteOptions.Lifetimes lifetimes, LeaseCacheSettings cacheSettings) throws Exception {
        authority = scene.authority();
        TestTls originTls = TestTls.forHost("localhost");
        Path originTrust = originTls.writePem(dir);
        TestOrigin webSockets = scene.add(TestOrigin.startWebSocketEcho(originTls.serverContext()));
        ca = CertificateAuthority.loadOrGenerate(CaFiles.inDirectory(dir.resolve("ca")), null);
        TlsProvider tls = TlsProvider.choose(TlsProvider.Preference.AUTO);
        InterceptionContexts leaves = scene.add(new InterceptionContexts(ca, tls, InterceptionSettings.defaults(),
                new PrometheusRegistry()));
        TlsComponents components = new TlsComponents(leaves, new UpstreamTlsContexts(tls, originTrust));
        LeaseCipher cipher = Secrets.leaseCipher();
        PolicyDecider policy = injectEverywhere(lifetimes);
        a = replica(policy, components, cipher, cacheSettings, new AgentServices(null, auditOnA::add,
                new AgentLabels(Set.of(), List.of()), new AgentMetrics(new PrometheusRegistry()), null));
        b = replica(policy, components, cipher, cacheSettings, AgentServices.none());
        await().atMost(STORE_READY).until(() -> a.store().available() && b.store().available());
        return webSockets;
    }

    private ProxyReplica replica(PolicyDecider policy, TlsComponents tls, LeaseCipher cipher, LeaseCacheSettings settings,
                                 AgentServices agents) throws InterruptedException {
        return scene.replica(replica -> replica.settings(settings).redis(RedisServers.shared(), namespace, cipher)
                .policy(policy).tls(tls).agents(agents));
    }

    /** Every request (and CONNECT, intercepted) injects connection {@code live}. */
    private static PolicyDecider injectEverywhere(RouteOptions.Lifetimes lifetimes) {
        RouteOptions options = new RouteOptions(true, List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false, lifetimes);
        return request -> new Decision.Inject("live-route", "test route", options, address -> true, CONNECTION, null);
    }

    private HttpClient agentOf(ProxyReplica replica) throws Exception {
        X509Certificate caCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(ca.exportPem().getBytes(StandardCharsets.US_ASCII)));
        return HttpClient.newBuilder().proxy(ProxySelector.of(replica.proxy().address()))
                .sslContext(TestTls.clientTrusting(TestTls.trustStore(caCert))).build();
    }

    /** A WebSocket client that remembers what it received and how the connection closed. */
    private static final class Agent implements WebSocket.Listener {
        final List<String> received = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            received.add(data.toString());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    /** Opens a WebSocket through {@code replica} and checks it relays both ways. */
    private Agent openWebSocket(ProxyReplica replica, TestOrigin origin) throws Exception {
        Agent agent = new Agent();
        WebSocket webSocket = agentOf(replica).newWebSocketBuilder()
                .buildAsync(URI.create("wss://localhost:" + origin.port() + "/ws"), agent)
                .get(OPEN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        webSocket.sendText("hello", true).get(OPEN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        await().atMost(OPEN_DEADLINE).until(() -> agent.received.contains("echo: hello"));
        return agent;
    }

    /** An event stream through {@code replica}: the lines read so far, and a future that ends with the body. */
    private record EventStream(List<String> lines, CompletableFuture<Void> ended) {
    }

    private EventStream openEventStream(ProxyReplica replica, EventStreamOrigin origin) throws Exception {
        HttpResponse<Stream<String>> response = replica.proxy().client().send(HttpRequest.newBuilder(
                URI.create(origin.url("/events"))).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> {
            try (Stream<String> body = response.body()) {
                body.limit(2L * EventStreamOrigin.MAX_EVENTS).forEach(lines::add);
            }
        });
        await().atMost(OPEN_DEADLINE).until(() -> lines.contains("data: tick 1"));
        return new EventStream(lines, ended);
    }

    private List<AuditEvent> auditOnA(AuditOutcome outcome) {
        return auditOnA.stream().filter(event -> event.outcome() == outcome).toList();
    }

    @Test
    void aRevocationLearntOnReplicaBClosesTheWebSocketOnReplicaAWith1008WithinASecond() throws Exception {
        TestOrigin webSockets = start(RouteOptions.Lifetimes.UNLIMITED, LeaseCacheSettings.defaults());
        Secrets.grantTokens(authority, CONNECTION);
        Agent agent = openWebSocket(a, webSockets);
        LiveStreams streamsOnA = a.proxy().server().streams();
        assertThat(streamsOnA.view()).singleElement().satisfies(open -> {
            assertThat(open.kind()).isEqualTo(StreamKind.WEBSOCKET);
            assertThat(open.info().connectionId()).isEqualTo(CONNECTION);
        });

        // B's credential is refused by an origin; its forced refresh learns from the Authority that it is revoked.
        authority.respond(CONNECTION, TestAuthority.Reply.revoked());
        try (TestOrigin refusing = TestOrigin.start(TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "credential refused")))) {
            HttpResponse<String> onB = b.get(refusing.url("/anything"));
            assertThat(onB.statusCode()).isEqualTo(403);
            assertThat(onB.body()).contains("\"error\":\"connection_revoked\"");
        }

        await().atMost(Duration.ofSeconds(1)).until(agent.closed::isDone);
        assertThat(agent.closed.join()).isEqualTo("1008 credential revoked");
        await().atMost(Duration.ofSeconds(1)).until(() -> streamsOnA.size() == 0);
        assertThat(auditOnA(AuditOutcome.REVOKED_DURING_STREAM)).singleElement().satisfies(event -> {
            assertThat(event.connection()).isEqualTo(CONNECTION);
            assertThat(event.route()).isEqualTo("live-route");
            assertThat(event.reason()).isEqualTo("revoked");
        });
    }

    @Test
    void anInvalidationOnReplicaAEndsItsEventStreamWithinASecondAndTheBodyNeverLooksComplete() throws Exception {
        start(RouteOptions.Lifetimes.UNLIMITED, LeaseCacheSettings.defaults());
        Secrets.grantTokens(authority, CONNECTION);
        try (EventStreamOrigin events = EventStreamOrigin.start()) {
            EventStream stream = openEventStream(a, events);
            assertThat(events.requests()).singleElement().satisfies(request -> assertThat(
                    request.headers().get("authorization")).isEqualTo(Secrets.authorization(CONNECTION, 0)));
            assertThat(a.proxy().server().streams().view()).singleElement()
                    .satisfies(open -> assertThat(open.kind()).isEqualTo(StreamKind.HTTP));

            a.cache().invalidate(CONNECTION); // what POST /admin/connections/live/invalidate does

            await().atMost(Duration.ofSeconds(1)).until(stream.ended::isDone);
            assertThat(stream.ended).as("a cut stream ends with an error, never as a complete body")
                    .isCompletedExceptionally();
            await().atMost(Duration.ofSeconds(1)).until(() -> events.cutStreams() == 1);
            assertThat(a.proxy().server().streams().size()).isZero();
        }
        assertThat(auditOnA(AuditOutcome.REVOKED_DURING_STREAM)).singleElement()
                .satisfies(event -> assertThat(event.upstreamStatus()).isEqualTo(200));
    }

    @Test
    void maxStreamLifetimeClosesAWebSocketWithItsReason() throws Exception {
        TestOrigin webSockets = start(new RouteOptions.Lifetimes(Duration.ofMillis(1500), false, null),
                LeaseCacheSettings.defaults());
        Secrets.grantTokens(authority, CONNECTION);
        Instant opened = Instant.now();
        Agent agent = openWebSocket(a, webSockets);

        await().atMost(Duration.ofSeconds(4)).until(agent.closed::isDone);
        assertThat(agent.closed.join()).isEqualTo("1008 stream lifetime exceeded");
        assertThat(Duration.between(opened, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        assertThat(auditOnA(AuditOutcome.STREAM_ENDED)).singleElement()
                .satisfies(event -> assertThat(event.reason()).isEqualTo("max_stream_lifetime"));
        await().atMost(Duration.ofSeconds(1)).until(() -> a.proxy().server().streams().size() == 0);
    }

    @Test
    void onCredentialExpiryCloseEndsAnEventStreamWhenItsLeaseExpires() throws Exception {
        start(new RouteOptions.Lifetimes(null, true, null),
                LeaseCacheSettings.defaults().toBuilder().safetyMargin(Duration.ZERO).build());
        // Whole seconds (the Authority speaks epoch seconds), far enough ahead to survive a slow first request.
        Instant expiresAt = Instant.now().plusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        authority.respond(CONNECTION, generation -> Secrets.token(CONNECTION, generation, expiresAt));
        try (EventStreamOrigin events = EventStreamOrigin.start()) {
            EventStream stream = openEventStream(a, events);

            await().atMost(Duration.ofSeconds(8)).until(stream.ended::isDone);
            assertThat(Instant.now()).isAfterOrEqualTo(expiresAt);
            assertThat(stream.ended).isCompletedExceptionally();
        }
        assertThat(auditOnA(AuditOutcome.STREAM_ENDED)).singleElement()
                .satisfies(event -> assertThat(event.reason()).isEqualTo("credential_expired"));
    }

    @Test
    void finishedExchangesLeaveTheRegistry() throws Exception {
        start(RouteOptions.Lifetimes.UNLIMITED, LeaseCacheSettings.defaults());
        Secrets.grantTokens(authority, CONNECTION);
        try (TestOrigin ok = TestOrigin.start()) {
            for (int batch = 0; batch < 8; batch++) {
                List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    inFlight.add(a.getAsync(ok.url("/r/" + batch + "/" + i)));
                }
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                assertThat(inFlight).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(200));
            }
        }
        assertThat(a.proxy().server().streams().size()).as("400 exchanges opened and finished").isZero();
        assertThat(auditOnA(AuditOutcome.INJECTED)).hasSize(400);
    }
}
