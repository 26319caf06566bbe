package dev.nexus.proxy.credentials.nexus;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Availability;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static dev.nexus.proxy.credentials.CredentialTestSupport.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Nexus source against a real HTTP Authority on loopback. */
class NexusAuthoritySourceTest {

    private static final String API_KEY = "authority-api-key-7f3a";
    private static final Instant EXPIRY = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    private final TestAuthority authority = TestAuthority.builder().apiKey("X-API-Key", API_KEY).start();
    private NexusAuthoritySource source = source(NexusAuthoritySettings.of(authority.baseUri(), API_KEY));

    /** Replaces the source under test; each gets its own registry since metric names register once per registry. */
    private NexusAuthoritySource source(NexusAuthoritySettings settings) {
        if (source != null) {
            source.close();
        }
        return new NexusAuthoritySource(settings, new PrometheusRegistry());
    }

    @AfterEach
    void stop() {
        source.close();
        authority.close();
    }

    @Test
    void genericShapeForAnyStrategy() throws Exception {
        StrategySpec sigv4 = new StrategySpec("aws_sigv4", Map.of("region", "eu-west-1", "service", "s3"));
        authority.respond("aws", Reply.token(sigv4, Map.of("access_key", "AKIDEXAMPLE", "secret_key", "s3cr3t"), EXPIRY));
        Lease lease = await(source.fetch("aws"));
        assertEquals(sigv4, lease.strategy());
        assertEquals("s3cr3t", lease.credential("secret_key"));
        assertEquals(EXPIRY, lease.expiresAt());
        assertEquals("aws", lease.connectionId());
    }

    @Test
    void flattenedOauth2Shape() throws Exception {
        authority.respond("google", Reply.oauth2Flattened("ya29.token", EXPIRY));
        Lease lease = await(source.fetch("google"));
        assertEquals("oauth2", lease.strategy().type());
        assertEquals("ya29.token", lease.credential("access_token"));
        assertEquals(EXPIRY, lease.expiresAt());
    }

    @Test
    void accessTokenWithoutStrategyAndExpiresInOnly() throws Exception {
        authority.respond("bare", Reply.ok(Map.of("access_token", "bare-token", "expires_in", 120)));
        Instant before = Instant.now();
        Lease lease = await(source.fetch("bare"));
        assertEquals("oauth2", lease.strategy().type());
        assertFalse(lease.expiresAt().isBefore(before.plusSeconds(120)));
    }

    @Test
    void staticKeyWithoutExpiry() throws Exception {
        authority.respond("static", Reply.apiKey("static-key", null));
        assertNull(await(source.fetch("static")).expiresAt());
    }

    @Test
    void refreshPostsAndReturnsTheRotatedCredential() throws Exception {
        authority.respond("rot", generation -> Reply.apiKey("value-v" + generation, EXPIRY));
        assertEquals("value-v0", await(source.fetch("rot")).credential("api_key"));
        assertEquals("value-v1", await(source.refresh("rot")).credential("api_key"));
        assertEquals(1, authority.calls(Endpoint.REFRESH, "rot"));
        assertEquals(1, authority.calls(Endpoint.TOKEN, "rot"));
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(Reply.invalidConnectionId(), Kind.INVALID_CONNECTION, "invalid_connection_id"),
                Arguments.of(Reply.unauthorized(), Kind.AUTHORITY_UNAUTHORIZED, "X-API-Key"),
                Arguments.of(Reply.revoked(), Kind.REVOKED, "connection_not_active"),
                Arguments.of(Reply.notFound(), Kind.NOT_FOUND, "connection_not_found"),
                Arguments.of(Reply.tokenNotFound(), Kind.NOT_FOUND, "token_not_found"),
                Arguments.of(Reply.attentionRequired("Re-consent at https://nexus.example/consent/42"), Kind.ATTENTION_REQUIRED,
                        "Re-consent at https://nexus.example/consent/42"),
                Arguments.of(Reply.brokerUnavailable(502), Kind.UNAVAILABLE, "502 (broker_unavailable)"),
                Arguments.of(Reply.brokerUnavailable(503), Kind.UNAVAILABLE, "503 (broker_unavailable)"),
                Arguments.of(Reply.brokerUnavailable(504), Kind.UNAVAILABLE, "504 (broker_unavailable)"),
                Arguments.of(Reply.connectionRevoked(), Kind.REVOKED, "(410 connection_revoked)"),
                Arguments.of(Reply.notActive(), Kind.REVOKED, "(400 connection_not_active)"),
                Arguments.of(Reply.providerAmbiguous(), Kind.INVALID_CONNECTION, "provider_ambiguous"),
                Arguments.of(Reply.json(400, Map.of("code", "attention_required", "detail", "grant expired")),
                        Kind.ATTENTION_REQUIRED, "grant expired"),
                Arguments.of(Reply.empty(409), Kind.REFUSED, "409 without an error code"),
                Arguments.of(Reply.empty(418), Kind.REFUSED, "status 418"),
                Arguments.of(Reply.empty(503), Kind.UNAVAILABLE, "answered 503"),
                Arguments.of(Reply.rateLimited(7), Kind.RATE_LIMITED, "rate limit"));
    }

    @Test
    void rateLimitCarriesTheRetryAfterDeadline() {
        authority.respond("limited", Reply.rateLimited(7));
        Instant before = Instant.now();
        CredentialException e = failure(source.fetch("limited"));
        assertEquals(Kind.RATE_LIMITED, e.kind());
        assertTrue(!e.retryAt().isBefore(before.plusSeconds(6)) && !e.retryAt().isAfter(Instant.now().plusSeconds(8)),
                () -> "retryAt " + e.retryAt());
    }

    @ParameterizedTest
    @MethodSource("errors")
    void errorStatusesMapToKinds(Reply reply, Kind kind, String messagePart) {
        authority.respond("conn-x", reply);
        for (CompletableFuture<Lease> call : List.of(source.fetch("conn-x"), source.refresh("conn-x"))) {
            CredentialException e = failure(call);
            assertEquals(kind, e.kind());
            assertEquals("conn-x", e.connectionId());
            assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        }
    }

    @Test
    void unknownConnectionIsNotFound() {
        assertEquals(Kind.NOT_FOUND, failure(source.fetch("never-programmed")).kind());
    }

    @Test
    void apiKeyIsSentInTheConfiguredHeaderAndNeverReported() throws Exception {
        authority.respond("c1", Reply.apiKey("v", EXPIRY));
        assertEquals("v", await(source.fetch("c1")).credential("api_key"), "the right key is accepted");

        source = source(NexusAuthoritySettings.of(authority.baseUri(), "wrong-key-9c1d"));
        CredentialException wrong = failure(source.fetch("c1"));
        assertEquals(Kind.AUTHORITY_UNAUTHORIZED, wrong.kind());
        assertFalse(wrong.getMessage().contains("wrong-key-9c1d"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains(API_KEY), wrong.getMessage());

        try (TestAuthority custom = TestAuthority.builder().apiKey("X-Nexus-Gateway-Key", API_KEY).start()) {
            custom.respond("c1", Reply.apiKey("custom", EXPIRY));
            source = source(NexusAuthoritySettings.of(custom.baseUri(), API_KEY).withApiKeyHeader("X-Nexus-Gateway-Key"));
            assertEquals("custom", await(source.fetch("c1")).credential("api_key"));
            assertFalse(source.toString().contains(API_KEY));
        }
    }

    @Test
    void malformedSuccessBodiesAreUnavailableWithoutEchoingTheBody() {
        String secret = "leaky-secret-31337";
        authority.respond("no-strategy", new Reply(200, "{\"credentials\": {\"api_key\": \"" + secret + "\"}}"));
        authority.respond("not-json", new Reply(200, "api_key=" + secret));
        authority.respond("bad-expiry", new Reply(200,
                "{\"strategy\": {\"type\": \"header\"}, \"credentials\": {}, \"expires_at\": \"" + secret + "\"}"));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("no-strategy", "'strategy' is missing");
        expected.put("not-json", "not valid JSON");
        expected.put("bad-expiry", "'expires_at'");
        expected.forEach((id, part) -> {
            CredentialException e = failure(source.fetch(id));
            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains(part), e.getMessage());
            assertFalse(e.getMessage().contains(secret), e.getMessage());
        });
    }

    @Test
    void oversizedAnswersAreRefused() {
        authority.respond("huge", new Reply(200, "{\"pad\": \"" + "x".repeat(NexusAuthoritySource.MAX_BODY_BYTES) + "\"}"));
        CredentialException e = failure(source.fetch("huge"));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("larger than 1048576 bytes"), e.getMessage());
    }

    @Test
    void hangingAuthorityTimesOutAsUnavailable() {
        authority.respond("slow", Reply.apiKey("v", EXPIRY)).availability(Availability.HANGING);
        source = source(NexusAuthoritySettings.of(authority.baseUri(), API_KEY)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300)));
        long start = System.nanoTime();
        CredentialException e = failure(source.fetch("slow"));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("did not answer within"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
    }

    @Test
    void refusedConnectionsAreUnavailableAndRecover() throws Exception {
        authority.respond("c1", Reply.apiKey("v", EXPIRY)).availability(Availability.REFUSING);
        CredentialException e = failure(source.fetch("c1"));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("could not connect") || e.getMessage().contains("failed"), e.getMessage());
        authority.availability(Availability.UP);
        assertEquals("v", await(source.fetch("c1")).credential("api_key"));
    }

    @Test
    void connectionIdsAreOnePercentEncodedPathSegment() throws Exception {
        String id = "team/a b+c?d#e%f";
        authority.respond(id, Reply.apiKey("encoded", EXPIRY));
        assertEquals("encoded", await(source.fetch(id)).credential("api_key"));
        assertEquals(1, authority.calls(Endpoint.TOKEN, id));
        assertEquals(Kind.INVALID_CONNECTION, failure(source.fetch("..")).kind());
    }

    @Test
    void answersAreHandledOffTheCallersThread() throws Exception {
        authority.respond("c1", Reply.apiKey("v", EXPIRY)).latency(Duration.ofMillis(200));
        String thread = source.fetch("c1").handle((lease, error) -> Thread.currentThread().getName()).get();
        assertTrue(thread.startsWith("nexus-authority-client-"), thread);
    }

    @Test
    void callsAreCountedByOutcome() throws Exception {
        PrometheusRegistry metrics = new PrometheusRegistry();
        source.close();
        source = new NexusAuthoritySource(NexusAuthoritySettings.of(authority.baseUri(), API_KEY), metrics);
        authority.respond("ok", Reply.apiKey("v", EXPIRY)).respond("gone", Reply.revoked());
        await(source.fetch("ok"));
        await(source.refresh("ok"));
        failure(source.fetch("gone"));
        assertEquals(1, metric(metrics, "nexus_authority_calls", "call", "token", "outcome", "ok"));
        assertEquals(1, metric(metrics, "nexus_authority_calls", "call", "refresh", "outcome", "ok"));
        assertEquals(1, metric(metrics, "nexus_authority_calls", "call", "token", "outcome", "revoked"));
        assertEquals(0, metric(metrics, "nexus_authority_calls", "call", "token", "outcome", "unavailable"));
    }
}
