package dev.nexus.proxy.relay;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bodies stream through the proxy in both directions without being held in memory: a 1 GiB upload
 * and download complete while the buffer pool's usage stays bounded, and a reader that stops reading
 * makes the proxy stop reading from the origin instead of buffering.
 */
class StreamingTest {

    private static final long ONE_GIB = 1L << 30;
    /** Far below any body size here; what a proxy that buffered bodies would blow through at once. */
    private static final long MEMORY_BOUND = 64L << 20;

    private TestOrigin origin;
    private ProxyHarness proxy;
    private final AtomicLong peakPooledMemory = new AtomicLong();
    private volatile boolean sampling = true;
    private Thread sampler;

    @BeforeEach
    void start() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.start();
        sampler = new Thread(() -> {
            while (sampling) {
                var metric = PooledByteBufAllocator.DEFAULT.metric();
                peakPooledMemory.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // sample every 2 ms
            }
        }, "memory-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        sampling = false;
        sampler.join();
        proxy.close();
        origin.close();
    }

    @Test
    void oneGibDownloadStreams() throws Exception {
        HttpResponse<InputStream> response = proxy.client().send(
                HttpRequest.newBuilder(URI.create(origin.url("/bytes/" + ONE_GIB))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long received = 0;
        long mismatches = 0;
        byte[] buffer = new byte[256 * 1024];
        try (InputStream body = response.body()) {
            int n;
            while ((n = body.read(buffer)) > 0) {
                for (int i = 0; i < n; i += 4099) { // spot-check the pattern: byte at offset k is k % 251
                    if ((buffer[i] & 0xff) != (received + i) % 251) {
                        mismatches++;
                    }
                }
                received += n;
            }
        }
        assertThat(received).isEqualTo(ONE_GIB);
        assertThat(mismatches).isZero();
        assertThat(peakPooledMemory.get()).isLessThan(MEMORY_BOUND);
    }

    @Test
    void oneGibUploadStreams() throws Exception {
        Supplier<InputStream> zeros = () -> new InputStream() {
            private long remaining = ONE_GIB;

            @Override
            public int read() {
                return remaining-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (remaining <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, remaining);
                java.util.Arrays.fill(b, off, off + n, (byte) 7);
                remaining -= n;
                return n;
            }
        };
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url("/upload")))
                        .POST(HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofInputStream(zeros), ONE_GIB)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).isEqualTo("received " + ONE_GIB + " bytes");
        assertThat(peakPooledMemory.get()).isLessThan(MEMORY_BOUND);
    }

    @Test
    void aReaderThatStopsReadingStopsTheProxyFromBuffering() throws Exception {
        long size = 512L << 20;
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.socket().setReceiveBufferSize(64 * 1024);
            agent.send("GET " + origin.url("/bytes/" + size) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            agent.readHead();
            agent.readBytes(1 << 20);
            // The agent now reads nothing. Memory in the proxy must level off far below the body size.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() < MEMORY_BOUND);
            long rest = size - (1 << 20);
            byte[] buffer = new byte[1 << 20];
            while (rest > 0) {
                int n = agent.input().read(buffer, 0, (int) Math.min(buffer.length, rest));
                assertThat(n).isPositive();
                rest -= n;
            }
        }
        assertThat(peakPooledMemory.get()).isLessThan(MEMORY_BOUND);
    }
}
