package dev.nexus.proxy.observe;

import java.io.Closeable;
import java.io.IOException;

/** Destination of log lines; written only from one background thread, so it may block. */
public interface LineSink extends Closeable {

    /** Writes {@code line} followed by a newline; may buffer until {@link #flush()}. */
    void writeLine(CharSequence line) throws IOException;

    /** Called whenever the queue runs empty, so lines reach their destination promptly. */
    void flush() throws IOException;
}
