package dev.nexus.proxy.credentials.redis;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/** Test leases with recognisable secret values, keys, and metric look-ups shared by the Redis store tests. */
final class TestLeases {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestLeases() {
    }

    /** A distinctive secret value, so a test can grep for it. */
    static String secret() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return "sk-test-" + HexFormat.of().formatHex(bytes);
    }

    static String base64Key() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    static LeaseCipher cipher(String keyId, String base64Key) {
        return LeaseCipher.fromBase64(keyId, Map.of(keyId, base64Key));
    }

    static String connectionId() {
        return "conn-" + UUID.randomUUID();
    }

    /** A header-strategy lease expiring in {@code lifetime}, holding {@code secret} as its api_key. */
    static Lease lease(String connectionId, String secret, Duration lifetime) {
        Instant now = Instant.now();
        return new Lease(connectionId, new StrategySpec("header", Map.of("header_name", "X-API-Key")),
                Map.of("api_key", secret), lifetime == null ? null : now.plus(lifetime), now);
    }

    /** A namespace no other test uses, so tests can share one Redis. */
    static String namespace() {
        return "test:" + UUID.randomUUID() + ":";
    }

    static double counter(PrometheusRegistry registry, String name, String... labelPairs) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot instanceof CounterSnapshot counter
                    && name.replaceFirst("_total$", "").equals(snapshot.getMetadata().getPrometheusName())) {
                return counter.getDataPoints().stream()
                        .filter(point -> matches(point.getLabels(), labelPairs))
                        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
            }
        }
        throw new AssertionError("no counter " + name);
    }

    static double gauge(PrometheusRegistry registry, String name) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot instanceof GaugeSnapshot gauge && snapshot.getMetadata().getPrometheusName().equals(name)) {
                return gauge.getDataPoints().get(0).getValue();
            }
        }
        throw new AssertionError("no gauge " + name);
    }

    private static boolean matches(io.prometheus.metrics.model.snapshots.Labels labels, String... labelPairs) {
        for (int i = 0; i < labelPairs.length; i += 2) {
            if (!labelPairs[i + 1].equals(labels.get(labelPairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
