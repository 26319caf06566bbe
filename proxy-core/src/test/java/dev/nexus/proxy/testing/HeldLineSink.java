package dev.nexus.proxy.testing;

import dev.nexus.proxy.observe.LineSink;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A log sink for tests of asynchronous writers: it collects lines, and when created held, its writer
 * blocks in the first write until the test releases it, like a full pipe or a stalled disk.
 */
public final class HeldLineSink implements LineSink {

    /** Counted down when the writer thread enters its first write. */
    public final CountDownLatch writing = new CountDownLatch(1);
    public final CountDownLatch release;
    public final List<String> lines = new CopyOnWriteArrayList<>();
    public volatile boolean closed;

    public HeldLineSink(boolean held) {
        this.release = new CountDownLatch(held ? 1 : 0);
    }

    @Override
    public void writeLine(CharSequence line) throws IOException {
        writing.countDown();
        try {
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IOException("test never released the sink");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        lines.add(line.toString());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        closed = true;
    }
}
