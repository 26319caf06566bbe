package dev.nexus.proxy.observe.audit;

import dev.nexus.proxy.observe.LineSink;
import dev.nexus.proxy.observe.Utf8Lines;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Appends lines to a file and rotates by size: when the next line would take the file past
 * {@code maxFileBytes}, {@code audit.log} becomes {@code audit.log.1}, {@code .1} becomes {@code .2}
 * and so on, and the oldest beyond {@code maxFiles} in total is deleted. A line is never split across
 * files. Used from one writer thread only.
 */
public final class RotatingFileSink implements LineSink {

    private final Path file;
    private final long maxFileBytes;
    private final int maxFiles;
    private final Utf8Lines lines = new Utf8Lines();
    private OutputStream out;
    private long size;

    /**
     * Opens (or creates) {@code file} for appending.
     *
     * @param maxFiles files kept in total, the active one included (at least 1: then the file is truncated on rotation)
     */
    public RotatingFileSink(Path file, long maxFileBytes, int maxFiles) throws IOException {
        if (maxFileBytes < 1 || maxFiles < 1) {
            throw new IllegalArgumentException("maxFileBytes and maxFiles must be positive");
        }
        this.file = file;
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        open();
    }

    @Override
    public void writeLine(CharSequence line) throws IOException {
        int length = lines.encode(line);
        if (size > 0 && size + length > maxFileBytes) {
            rotate();
        }
        lines.writeTo(out);
        size += length;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void rotate() throws IOException {
        out.close();
        if (maxFiles == 1) {
            Files.delete(file);
        } else {
            Files.deleteIfExists(numbered(maxFiles - 1));
            for (int i = maxFiles - 2; i >= 1; i--) {
                Path from = numbered(i);
                if (Files.exists(from)) {
                    Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path numbered(int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private void open() throws IOException {
        out = new BufferedOutputStream(new FileOutputStream(file.toFile(), true), 64 * 1024);
        size = Files.size(file);
    }
}
