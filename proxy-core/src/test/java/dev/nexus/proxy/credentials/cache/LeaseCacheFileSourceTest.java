package dev.nexus.proxy.credentials.cache;

import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.file.FileCredentialSource;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;

import static dev.nexus.proxy.credentials.CredentialTestSupport.await;
import static dev.nexus.proxy.credentials.CredentialTestSupport.failure;
import static dev.nexus.proxy.credentials.CredentialTestSupport.replaceAtomically;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The development setup: the cache over the file source picks up edits without waiting for the max age. */
class LeaseCacheFileSourceTest {

    @TempDir
    Path dir;

    private static String entry(String id, String value) {
        return id + ":\n  strategy: {type: header}\n  credentials: {api_key: " + value + "}\n";
    }

    @Test
    void editsReachTheCacheWithinAPollOrTwo() throws Exception {
        Path file = Files.writeString(dir.resolve("credentials.yaml"), entry("c1", "first"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        try (FileCredentialSource source = new FileCredentialSource(file, false, Duration.ofMillis(50), Clock.systemUTC());
             LeaseCache cache = LeaseCache.builder(source, new PrometheusRegistry()).build()) {
            assertEquals("first", await(cache.lease("c1")).credential("api_key"));
            assertEquals(Kind.NOT_FOUND, failure(cache.lease("c2")).kind());

            replaceAtomically(file, entry("c1", "second") + entry("c2", "added"));
            await().atMost(Duration.ofSeconds(5)).until(() -> "second".equals(cache.lease("c1").join().credential("api_key")));
            assertEquals("added", await(cache.lease("c2")).credential("api_key"), "a new connection is not held back by the negative cache");
        }
    }
}
