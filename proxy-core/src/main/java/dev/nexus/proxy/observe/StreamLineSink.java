package dev.nexus.proxy.observe;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A {@link LineSink} writing UTF-8 lines to stdout, stderr or a file (appended, created if absent).
 * Closing a sink on a standard stream flushes it but leaves the stream open for everyone else.
 */
public final class StreamLineSink implements LineSink {

    private final OutputStream out;
    private final boolean ownsStream;
    private final Utf8Lines lines = new Utf8Lines();

    private StreamLineSink(OutputStream stream, boolean ownsStream) {
        this.out = new BufferedOutputStream(stream, 64 * 1024);
        this.ownsStream = ownsStream;
    }

    public static StreamLineSink stdout() {
        return new StreamLineSink(new FileOutputStream(FileDescriptor.out), false);
    }

    public static StreamLineSink stderr() {
        return new StreamLineSink(new FileOutputStream(FileDescriptor.err), false);
    }

    /** Opens {@code file} for appending; a plain file stream, so an interrupted writer thread cannot close it. */
    public static StreamLineSink appendingTo(Path file) throws IOException {
        return new StreamLineSink(new FileOutputStream(file.toFile(), true), true);
    }

    @Override
    public void writeLine(CharSequence line) throws IOException {
        lines.encode(line);
        lines.writeTo(out);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (ownsStream) {
            out.close();
        } else {
            out.flush();
        }
    }
}
