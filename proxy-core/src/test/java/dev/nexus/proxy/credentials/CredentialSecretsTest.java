package dev.nexus.proxy.credentials;

import dev.nexus.proxy.credentials.cache.LeaseCache;
import dev.nexus.proxy.credentials.cache.LeaseCacheSettings;
import dev.nexus.proxy.credentials.file.CredentialFileException;
import dev.nexus.proxy.credentials.file.FileCredentialSource;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySource;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Availability;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the credential scenarios that produce logs and errors (success, refresh-ahead, forced refresh, every
 * Authority error, error bodies echoing secrets, malformed answers, wrong API key, timeouts, outages,
 * file edits) and checks that no secret value appears in any log record, exception message, toString,
 * admin view or metric.
 */
class CredentialSecretsTest {

    private static final String API_KEY = "authority-api-key-SECRET-0001";
    private static final String WRONG_API_KEY = "wrong-api-key-SECRET-0002";
    private static final String CREDENTIAL = "credential-value-SECRET-0003";
    private static final String ROTATED = "rotated-value-SECRET-0004";
    private static final String ECHOED = "echoed-in-error-body-SECRET-0005";
    private static final String MALFORMED = "malformed-body-SECRET-0006";
    private static final String FILE_SECRET = "file-credential-SECRET-0007";
    private static final String BROKEN_FILE_SECRET = "broken-file-SECRET-0008";
    private static final List<String> SECRETS = List.of(API_KEY, WRONG_API_KEY, CREDENTIAL, ROTATED, ECHOED, MALFORMED,
            FILE_SECRET, BROKEN_FILE_SECRET);

    @TempDir
    Path dir;

    private final List<String> observed = new ArrayList<>();

    private void observeOutcome(CompletableFuture<?> future) {
        try {
            Object value = future.get(10, TimeUnit.SECONDS);
            observed.add(String.valueOf(value));
        } catch (ExecutionException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                observed.add(t.toString());
            }
        } catch (Exception e) {
            throw new AssertionError("scenario did not finish", e);
        }
    }

    @Test
    void noSecretReachesLogsMessagesViewsOrMetrics() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (LogCapture logs = new LogCapture("dev.nexus");
             TestAuthority authority = TestAuthority.builder().apiKey("X-API-Key", API_KEY).start()) {
            Instant expiry = Instant.now().plusSeconds(3600);
            authority.respond("ok", generation -> Reply.apiKey(generation == 0 ? CREDENTIAL : ROTATED, expiry))
                    .respond("revoked", Reply.revoked())
                    .respond("attention", Reply.attentionRequired("Please re-consent"))
                    .respond("missing", Reply.notFound())
                    .respond("invalid", Reply.invalidConnectionId())
                    .respond("echo", Reply.json(503, Map.of("code", "broker_unavailable", "message", ECHOED, "key", API_KEY)))
                    .respond("echo409", Reply.json(409, Map.of("error", "attention_required", "detail", "see console", "token", ECHOED)))
                    .respond("malformed", new Reply(200, "{\"credentials\": {\"api_key\": \"" + MALFORMED + "\"}}"))
                    .respond("garbage", new Reply(200, MALFORMED + " {"));

            NexusAuthoritySettings settings = NexusAuthoritySettings.of(authority.baseUri(), API_KEY)
                    .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));   // generous: a loaded CI machine is slow to connect
            observed.add(settings.toString());
            try (NexusAuthoritySource source = new NexusAuthoritySource(settings, registry);
                 LeaseCache cache = LeaseCache.builder(source, registry)
                         .settings(LeaseCacheSettings.defaults().toBuilder().forcedRefreshInterval(Duration.ZERO).build())
                         .build()) {
                observed.add(source.toString());
                for (String id : List.of("ok", "revoked", "attention", "missing", "invalid", "echo", "echo409", "malformed",
                        "garbage", "unknown")) {
                    observeOutcome(cache.lease(id));
                }
                Lease first = cache.lease("ok").join();
                observeOutcome(cache.refreshAfterRejection("ok", first));
                observeOutcome(cache.refreshAfterRejection("ok", cache.lease("ok").join()));
                cache.view().forEach(view -> observed.add(view.toString()));

                authority.availability(Availability.HANGING);
                observeOutcome(source.fetch("ok"));
                authority.availability(Availability.REFUSING);
                observeOutcome(source.fetch("ok"));
                authority.availability(Availability.UP);
            }
            try (NexusAuthoritySource wrongKey = new NexusAuthoritySource(
                    NexusAuthoritySettings.of(authority.baseUri(), WRONG_API_KEY), new PrometheusRegistry())) {
                observeOutcome(wrongKey.fetch("ok"));
            }

            Path file = dir.resolve("credentials.yaml");
            Files.writeString(file, "f1:\n  strategy: {type: header}\n  credentials: {api_key: " + FILE_SECRET + "}\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            try {
                new FileCredentialSource(file, false).close();
            } catch (CredentialFileException refused) {
                observed.add(refused.toString());
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            try (FileCredentialSource fileSource = new FileCredentialSource(file, false, Duration.ofMillis(50), Clock.systemUTC());
                 LeaseCache fileCache = LeaseCache.builder(fileSource, new PrometheusRegistry()).build()) {
                observeOutcome(fileCache.lease("f1"));
                CredentialTestSupport.replaceAtomically(file, "f1: [unclosed " + BROKEN_FILE_SECRET + "\n");
                await().atMost(Duration.ofSeconds(5)).until(() -> logs.contains("is not valid YAML"));
                CredentialTestSupport.replaceAtomically(file, "f1:\n  strategy: {type: header}\n  credentials: {api_key: " + ROTATED + "}\n");
                await().atMost(Duration.ofSeconds(5)).until(() -> ROTATED.equals(fileCache.lease("f1").join().credential("api_key")));
                observeOutcome(fileCache.lease("f2"));
            }

            assertTrue(observed.stream().anyMatch(text -> text.contains("REVOKED")), "the scenarios did produce errors");
            assertTrue(logs.lines().size() > 5, "the scenarios did log");
            List<String> everything = new ArrayList<>(observed);
            everything.addAll(logs.lines());
            everything.addAll(metricText(registry));
            for (String secret : SECRETS) {
                for (String text : everything) {
                    assertFalse(text.contains(secret), "secret " + secret + " leaked into: " + text);
                }
            }
        }
    }

    private static List<String> metricText(PrometheusRegistry registry) {
        List<String> text = new ArrayList<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            text.add(snapshot.getMetadata().getName() + " " + snapshot.getMetadata().getHelp());
            for (DataPointSnapshot point : snapshot.getDataPoints()) {
                text.add(point.getLabels().toString());
            }
        }
        return text;
    }
}
