package dev.nexus.proxy.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.cache.MutableClock;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Availability;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue #5's credential lifecycle end to end: the JDK HttpClient as agent, the real proxy, the real
 * lease cache and Nexus client, a test Authority over real HTTP and a real origin. Time for the cache
 * (and for the expiry the Authority hands out) is a hand-moved clock, so lifetimes are exact without
 * sleeping; Authority latency is real. After each test, neither the logs nor any response the agent saw
 * may contain a credential value or the Authority API key.
 */
class CredentialPipelineTest {

    /** Lifetime of every lease the Authority hands out, on the test clock. */
    private static final Duration LIFETIME = Duration.ofSeconds(60);
    /** Short margins and backoffs, so a minute-long lease walks through every phase. */
    private static final LeaseCacheSettings SETTINGS = LeaseCacheSettings.defaults().toBuilder()
            .safetyMargin(Duration.ofSeconds(5))
            .refreshAheadFraction(0.8)
            .backoff(Duration.ofMillis(250), Duration.ofSeconds(2))
            .breaker(5, Duration.ofSeconds(2))
            .build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    /** Leases are usable until expiry minus the margin (55 s) and refreshed ahead from 80 % of that (44 s). */
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final Instant started = clock.instant();
    private TestAuthority authority;
    private TestOrigin origin;
    private ProxyReplica proxy;

    @BeforeEach
    void start() throws Exception {
        authority = scene.authority();
        origin = scene.add(TestOrigin.start(TestOrigin.Responder.of(this::originAnswer)));
        proxy = scene.replica(replica -> replica.settings(SETTINGS).clock(clock));
    }

    /**
     * The origin accepts any credential except: generation 0 of {@code rotating} (stale, to force a rotation),
     * anything on a path containing {@code /always-401}, and anything on {@code /revoked-at-origin}.
     */
    private FullHttpResponse originAnswer(RecordedRequest request) {
        boolean stale = Secrets.authorization("rotating", 0).equals(request.header("authorization"));
        if (stale || request.uri().contains("/always-401") || request.uri().contains("/revoked-at-origin")) {
            return TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "credential refused");
        }
        return TestOrigin.text(HttpResponseStatus.OK, "ok");
    }

    /** The Authority hands out generation-tagged credentials that expire {@link #LIFETIME} after "now" on the test clock. */
    private void grant(String connection) {
        authority.respond(connection, generation -> Secrets.token(connection, generation, clock.instant().plus(LIFETIME)));
    }

    private HttpResponse<String> get(String connection, String path) throws Exception {
        return proxy.get(origin.url("/" + connection + path));
    }

    private List<String> authorizationsSeen(String connection) {
        return origin.requests().stream().filter(r -> r.uri().startsWith("/" + connection + "/"))
                .map(r -> r.header("authorization")).toList();
    }

    private int authorityCalls(String connection) {
        return authority.calls(Endpoint.TOKEN, connection) + authority.calls(Endpoint.REFRESH, connection);
    }

    @Test
    void firstUseFetchesOnceAndTheOriginSeesTheCredential() throws Exception {
        grant("first");

        HttpResponse<String> first = get("first", "/repos");
        HttpResponse<String> second = get("first", "/issues");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("ok");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(authority.calls(Endpoint.TOKEN, "first")).isEqualTo(1);
        assertThat(authorizationsSeen("first")).containsExactly(
                Secrets.authorization("first", 0), Secrets.authorization("first", 0));
    }

    @Test
    void twoHundredConcurrentRequestsOnAColdConnectionMakeOneAuthorityCall() throws Exception {
        grant("cold");
        authority.latency(Duration.ofMillis(300)); // every request arrives while the one fetch is running

        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            inFlight.add(proxy.getAsync(origin.url("/cold/item/" + i)));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(40, TimeUnit.SECONDS);

        assertThat(inFlight).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(200));
        assertThat(authority.calls(Endpoint.TOKEN, "cold")).isEqualTo(1);
        assertThat(authorizationsSeen("cold")).hasSize(200).containsOnly(Secrets.authorization("cold", 0));
    }

    @Test
    void refreshAheadKeepsEveryRequestOffTheAuthoritysCriticalPath() throws Exception {
        grant("ahead");
        assertThat(get("ahead", "/warm-up").statusCode()).isEqualTo(200);
        Duration authorityLatency = Duration.ofSeconds(3);
        authority.latency(authorityLatency);

        // One request every 5 s of lease time: before the refresh point nothing but the cache answers.
        List<Long> millis = new ArrayList<>();
        for (int second = 5; second <= 40; second += 5) {
            clock.advance(Duration.ofSeconds(5));
            millis.add(timed(() -> get("ahead", "/tick")));
        }
        assertThat(authority.calls(Endpoint.TOKEN, "ahead")).isEqualTo(1);
        // Past the refresh point (44 s) the first use starts one background refresh and is still served at once.
        for (int second = 45; second <= 50; second += 5) {
            clock.advance(Duration.ofSeconds(5));
            millis.add(timed(() -> get("ahead", "/tick")));
        }
        // The refreshed lease lands while the first one is still valid (the clock stands at 50 s of 60).
        Instant firstExpiry = started.plus(LIFETIME);
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.cache().view().stream()
                .anyMatch(view -> view.connectionId().equals("ahead") && view.expiresAt().isAfter(firstExpiry)));
        assertThat(clock.instant()).isBefore(firstExpiry);

        // Past the first lease's expiry, the refreshed one serves without another call.
        clock.advance(Duration.ofSeconds(15));
        millis.add(timed(() -> get("ahead", "/after-first-expiry")));

        assertThat(millis).as("request durations in ms while the Authority takes %s", authorityLatency)
                .allSatisfy(ms -> assertThat(ms).isLessThan(1_500));
        assertThat(authority.calls(Endpoint.TOKEN, "ahead")).isEqualTo(2);
        assertThat(authority.calls(Endpoint.REFRESH, "ahead")).isZero();
        assertThat(authorizationsSeen("ahead")).hasSize(12);
    }

    /** Sends a request that must succeed and answers how long it took. */
    private static long timed(ThrowingSupplier<HttpResponse<String>> request) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = request.get();
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(response.statusCode()).isEqualTo(200);
        return elapsed;
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    @Test
    void upstream401RotatesOnceAndReplaysOnce() throws Exception {
        grant("rotating");

        HttpResponse<String> response = get("rotating", "/me");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(authority.calls(Endpoint.TOKEN, "rotating")).isEqualTo(1);
        assertThat(authority.calls(Endpoint.REFRESH, "rotating")).isEqualTo(1);
        assertThat(authorizationsSeen("rotating")).containsExactly(
                Secrets.authorization("rotating", 0), Secrets.authorization("rotating", 1));
    }

    @Test
    void aRefreshedCredentialThatIsStillRefusedReachesTheAgentAfterOneRefresh() throws Exception {
        grant("stubborn");

        HttpResponse<String> response = get("stubborn", "/always-401");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("credential refused");
        assertThat(authority.calls(Endpoint.REFRESH, "stubborn")).isEqualTo(1);
        assertThat(authorizationsSeen("stubborn")).containsExactly(
                Secrets.authorization("stubborn", 0), Secrets.authorization("stubborn", 1));
    }

    /** The Authority's terminal answers and what the agent must be told. */
    enum Terminal {
        REVOKED(Reply::revoked, 403, "connection_revoked"),
        REVOKED_410(Reply::connectionRevoked, 403, "connection_revoked"),
        NOT_ACTIVE_400(Reply::notActive, 403, "connection_revoked"),
        ATTENTION_REQUIRED(() -> Reply.attentionRequired("the user must re-consent"), 409, "attention_required"),
        NOT_FOUND(Reply::notFound, 403, "connection_not_found");

        final Supplier<Reply> reply;
        final int agentStatus;
        final String agentError;

        Terminal(Supplier<Reply> reply, int agentStatus, String agentError) {
            this.reply = reply;
            this.agentStatus = agentStatus;
            this.agentError = agentError;
        }
    }

    @ParameterizedTest
    @EnumSource(Terminal.class)
    void aTerminalAnswerDropsTheLeaseAndIsRememberedWithoutAskingAgain(Terminal terminal) throws Exception {
        String connection = "terminal-" + terminal.name().toLowerCase();
        grant(connection);
        assertThat(get(connection, "/before").statusCode()).isEqualTo(200);
        // The user withdrew the grant: the provider refuses the credential and the Authority knows why.
        authority.respond(connection, terminal.reply.get());

        HttpResponse<String> refused = get(connection, "/revoked-at-origin");

        assertAgentError(refused, terminal.agentStatus, terminal.agentError, connection);
        assertThat(proxy.holdsLease(connection)).as("lease dropped").isFalse();
        int callsSoFar = authorityCalls(connection);
        HttpResponse<String> again = get(connection, "/again");
        assertAgentError(again, terminal.agentStatus, terminal.agentError, connection);
        assertThat(authorityCalls(connection)).as("no new Authority call within the negative-cache window")
                .isEqualTo(callsSoFar);
        assertThat(origin.requests().stream().filter(r -> r.uri().endsWith("/again"))).isEmpty();
    }

    @Test
    void anUnknownConnectionOnFirstUseIsConnectionNotFoundAndIsNotAskedForAgain() throws Exception {
        HttpResponse<String> first = get("unknown", "/x");
        HttpResponse<String> second = get("unknown", "/y");

        assertAgentError(first, 403, "connection_not_found", "unknown");
        assertAgentError(second, 403, "connection_not_found", "unknown");
        assertThat(authority.calls(Endpoint.TOKEN, "unknown")).isEqualTo(1);
        assertThat(origin.requests()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Availability.class, names = {"DOWN_503", "REFUSING"})
    void anAuthorityOutageIsInvisibleWhileTheLeaseLastsThen503ThenRecovers(Availability outage) throws Exception {
        grant("outage");
        assertThat(get("outage", "/before").statusCode()).isEqualTo(200);
        authority.availability(outage);

        // Through the refresh point (the refresh fails) and past the safety margin: served until expires_at.
        for (int second : new int[] {30, 45, 50, 54, 56, 58, 59}) {
            clock.advance(Duration.ofSeconds(second).minus(elapsedSinceStart()));
            assertThat(get("outage", "/during-" + second).statusCode()).as("at %d s", second).isEqualTo(200);
        }
        clock.advance(Duration.ofSeconds(2)); // 61 s: the credential itself has expired
        HttpResponse<String> expired = get("outage", "/after-expiry");
        assertAgentError(expired, 503, "authority_unavailable", "outage");

        authority.availability(Availability.UP);
        clock.advance(Duration.ofSeconds(5)); // past the backoff and the breaker's cool-down
        HttpResponse<String> recovered = get("outage", "/recovered");
        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(origin.lastRequest().header("authorization")).isEqualTo(Secrets.authorization("outage", 0));
    }

    private Duration elapsedSinceStart() {
        return Duration.between(started, clock.instant());
    }

    private static void assertAgentError(HttpResponse<String> response, int status, String error, String connection)
            throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("route").asText()).isEqualTo("route-" + connection);
        assertThat(body.path("connection").asText()).isEqualTo(connection);
    }
}
