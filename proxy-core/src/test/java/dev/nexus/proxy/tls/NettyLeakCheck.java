package dev.nexus.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's (paranoid) leak detector reports an unreleased buffer during it.
 * Netty logs leaks through java.util.logging here (no SLF4J binding on the test class path); the
 * check collects those records, and at the end forces a GC and a few allocations, which is when the
 * detector reports buffers that were collected without being released.
 */
final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {

    private static final Logger DETECTOR_LOGGER = Logger.getLogger(ResourceLeakDetector.class.getName());

    private final List<String> leaks = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getMessage() != null && record.getMessage().contains("LEAK")) {
                leaks.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @Override
    public void beforeAll(ExtensionContext context) {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "tests must run with -Dio.netty.leakDetection.level=paranoid (surefire argLine)");
        DETECTOR_LOGGER.addHandler(handler);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            for (int i = 0; i < 5; i++) {
                System.gc();
                // The detector reports collected-but-unreleased buffers when the next one is tracked.
                ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                pooled.release();
                ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                unpooled.release();
            }
            assertTrue(leaks.isEmpty(), () -> "Netty reported buffer leaks:\n" + String.join("\n", leaks));
        } finally {
            DETECTOR_LOGGER.removeHandler(handler);
        }
    }
}
