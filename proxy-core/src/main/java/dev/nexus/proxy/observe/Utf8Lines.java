package dev.nexus.proxy.observe;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes log lines as UTF-8 followed by {@code \n} straight into a byte buffer that is reused from line to line:
 * none of the copies {@code Writer.append} and a charset encoder make (a {@code String} of the line, a char
 * buffer, an encoder pass). A lone surrogate becomes {@code ?}, as the JDK's encoder writes it. One per writer
 * thread: not thread-safe.
 */
public final class Utf8Lines {

    private byte[] bytes = new byte[1024];
    private int length;

    /**
     * Encodes {@code line} plus {@code \n} and returns its length in bytes; the bytes stay until the next call
     * ({@link #writeTo}).
     */
    public int encode(CharSequence line) {
        int chars = line.length();
        if (bytes.length < chars * 3 + 1) { // at most 3 bytes per char (a surrogate pair: 4 for 2)
            bytes = new byte[Math.max(bytes.length * 2, chars * 3 + 1)];
        }
        byte[] out = bytes;
        int n = 0;
        for (int i = 0; i < chars; i++) {
            char c = line.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xc0 | c >> 6);
                out[n++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(line.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, line.charAt(++i));
                out[n++] = (byte) (0xf0 | codePoint >> 18);
                out[n++] = (byte) (0x80 | codePoint >> 12 & 0x3f);
                out[n++] = (byte) (0x80 | codePoint >> 6 & 0x3f);
                out[n++] = (byte) (0x80 | codePoint & 0x3f);
            } else if (Character.isSurrogate(c)) {
                out[n++] = '?';
            } else {
                out[n++] = (byte) (0xe0 | c >> 12);
                out[n++] = (byte) (0x80 | c >> 6 & 0x3f);
                out[n++] = (byte) (0x80 | c & 0x3f);
            }
        }
        out[n++] = '\n';
        length = n;
        return n;
    }

    /** Writes the line {@link #encode} encoded last. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
    }
}
