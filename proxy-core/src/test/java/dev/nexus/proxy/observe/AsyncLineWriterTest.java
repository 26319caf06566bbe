package dev.nexus.proxy.observe;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AsyncLineWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Counts what reaches the sink: every flush would be a write system call on a real stream. */
    private static final class CountingSink implements LineSink {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final AtomicInteger flushes = new AtomicInteger();

        @Override
        public void writeLine(CharSequence line) {
            lines.add(line.toString());
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aSteadyStreamOfLinesReachesTheSinkInBatchesNotOneWriteEach() {
        CountingSink sink = new CountingSink();
        int items = 400;
        try (AsyncLineWriter<Integer> writer = new AsyncLineWriter<>("test", sink, 1024, WAIT,
                (item, line) -> line.append("line ").append(item), reason -> { })) {
            // One line every 50 us, as from a proxy serving 20,000 requests/s: without batching the writer
            // keeps up and flushes after every line.
            long next = System.nanoTime();
            for (int i = 0; i < items; i++) {
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
                writer.offer(i);
                next += 50_000;
            }
            await().atMost(WAIT).until(() -> sink.lines.size() == items);
        }

        assertThat(sink.lines).containsExactlyElementsOf(IntStream.range(0, items).mapToObj(i -> "line " + i).toList());
        assertThat(sink.flushes.get()).as("flushes for %d lines", items).isLessThanOrEqualTo(items / 4);
    }

    @Test
    void aLoneLineIsFlushedWithoutWaitingForMore() {
        CountingSink sink = new CountingSink();
        try (AsyncLineWriter<String> writer = new AsyncLineWriter<>("test", sink, 16, WAIT,
                (item, line) -> line.append(item), reason -> { })) {
            writer.offer("only");
            await().atMost(WAIT).until(() -> sink.flushes.get() == 1);
            assertThat(sink.lines).containsExactly("only");
        }
    }
}
