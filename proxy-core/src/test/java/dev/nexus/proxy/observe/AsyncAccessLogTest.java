package dev.nexus.proxy.observe;

import dev.nexus.proxy.testing.HeldLineSink;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AsyncAccessLogTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static ExchangeRecord entry(String path) throws Exception {
        return AccessLogFormatterTest.entry("api.example.com", path);
    }

    @Test
    void writesOneJsonLinePerRequestToAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        AsyncAccessLog log = new AsyncAccessLog(StreamLineSink.appendingTo(file), 16, WAIT, new PrometheusRegistry());

        log.log(entry("/one?token=abc"));
        log.log(entry("/two"));

        await().atMost(WAIT).until(() -> Files.readAllLines(file, StandardCharsets.UTF_8).size() == 2);
        log.close();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertTrue(lines.get(0).contains("\"path\":\"/one\""), lines.get(0));
        assertTrue(lines.get(1).contains("\"path\":\"/two\""), lines.get(1));
        assertTrue(lines.stream().noneMatch(l -> l.contains("token")), lines.toString());
        assertEquals(0, log.droppedCount());
    }

    @Test
    void dropsAndCountsEntriesWhileTheSinkIsStuck() throws Exception {
        HeldLineSink sink = new HeldLineSink(true);
        PrometheusRegistry registry = new PrometheusRegistry();
        int capacity = 4;
        AsyncAccessLog log = new AsyncAccessLog(sink, capacity, WAIT, registry);

        log.log(entry("/first"));
        assertTrue(sink.writing.await(WAIT.toSeconds(), TimeUnit.SECONDS), "writer thread took the first entry");
        // The writer is stuck inside writeLine and the queue is empty: exactly `capacity` more fit.
        for (int i = 0; i < 10; i++) {
            log.log(entry("/burst-" + i));
        }

        assertEquals(6, log.droppedCount());
        assertEquals(6.0, MetricValues.value(registry, "nexus_access_log_dropped"));

        sink.release.countDown();
        await().atMost(WAIT).until(() -> sink.lines.size() == 1 + capacity);
        log.close();
        assertTrue(sink.lines.get(4).contains("/burst-3"), sink.lines.toString());
    }

    @Test
    void closeWritesWhatIsQueuedAndLaterEntriesAreDropped() throws Exception {
        HeldLineSink sink = new HeldLineSink(true);
        sink.release.countDown();
        AsyncAccessLog log = new AsyncAccessLog(sink, 100, WAIT, new PrometheusRegistry());
        for (int i = 0; i < 50; i++) {
            log.log(entry("/" + i));
        }

        log.close();

        assertEquals(50, sink.lines.size());
        assertTrue(sink.closed);
        log.log(entry("/late"));
        assertEquals(1, log.droppedCount());
    }
}
