package dev.nexus.proxy.credentials;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Small helpers shared by the credential tests: awaiting futures and reading metrics. */
public final class CredentialTestSupport {

    private CredentialTestSupport() {
    }

    /**
     * Replaces a private (0600) file's content the way editors and Kubernetes do: write a sibling, then
     * rename over it, so a reader never sees a half-written file.
     */
    public static void replaceAtomically(Path file, String content) throws IOException {
        Path sibling = Files.createTempFile(file.getParent(), ".edit-", ".tmp");
        Files.setPosixFilePermissions(sibling, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(sibling, content);
        Files.move(sibling, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The lease the future completes with, waiting at most 10 s. */
    public static Lease await(CompletableFuture<Lease> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    /** The {@link CredentialException} the future fails with, waiting at most 10 s. */
    public static CredentialException failure(CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(CredentialException.class, e.getCause());
    }

    /** A counter's or gauge's current value for the given label pairs (name without {@code _total}); 0 when absent. */
    public static double metric(PrometheusRegistry registry, String name, String... labelPairs) {
        Labels wanted = Labels.of(labelPairs);
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (!snapshot.getMetadata().getName().equals(name)) {
                continue;
            }
            if (snapshot instanceof CounterSnapshot counter) {
                return counter.getDataPoints().stream().filter(p -> p.getLabels().equals(wanted))
                        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).findFirst().orElse(0);
            }
            if (snapshot instanceof GaugeSnapshot gauge) {
                return gauge.getDataPoints().stream().filter(p -> p.getLabels().equals(wanted))
                        .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst().orElse(0);
            }
        }
        return 0;
    }
}
