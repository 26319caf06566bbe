package dev.nexus.proxy.observe;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A {@link LineSink} writing UTF-8 lines to stdout, stderr or a file (appended, created if absent).
 * Closing a sink on a standard stream flushes it but leaves the stream open for everyone else.
 */
public final class StreamLineSink implements LineSink {

    private final Writer writer;
    private final boolean ownsStream;

    private StreamLineSink(OutputStream stream, boolean ownsStream) {
        this.writer = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
        this.ownsStream = ownsStream;
    }

    public static StreamLineSink stdout() {
        return new StreamLineSink(new FileOutputStream(java.io.FileDescriptor.out), false);
    }

    public static StreamLineSink stderr() {
        return new StreamLineSink(new FileOutputStream(java.io.FileDescriptor.err), false);
    }

    /** Opens {@code file} for appending; a plain file stream, so an interrupted writer thread cannot close it. */
    public static StreamLineSink appendingTo(Path file) throws IOException {
        return new StreamLineSink(new FileOutputStream(file.toFile(), true), true);
    }

    @Override
    public void writeLine(CharSequence line) throws IOException {
        writer.append(line).append('\n');
    }

    @Override
    public void flush() throws IOException {
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        if (ownsStream) {
            writer.close();
        } else {
            writer.flush();
        }
    }
}
