package dev.nexus.proxy.identity;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code nexus-proxy agents hash [--iterations N]}: reads one secret from standard input (the first
 * line, so {@code echo "$SECRET" | nexus-proxy agents hash} works and nothing lands in the shell's
 * argument list) and prints the line to put in the agents file. Independent of the CLI parser: the
 * server module calls {@link #hash(String[], PrintStream, PrintStream)} and exits with its result.
 */
public final class AgentsFileCommands {

    /** Exit code for success. */
    static final int OK = 0;
    /** Exit code when the secret could not be read. */
    static final int FAILED = 1;
    /** Exit code for wrong arguments or an empty secret. */
    static final int USAGE = 2;

    private static final String USAGE_TEXT = "usage: nexus-proxy agents hash [--iterations N] < secret";
    private static final int MAX_SECRET_BYTES = 4096;

    private AgentsFileCommands() {
    }

    /** Reads the secret from {@link System#in}. */
    public static int hash(String[] args, PrintStream out, PrintStream err) {
        return hash(args, System.in, out, err);
    }

    /** As {@link #hash(String[], PrintStream, PrintStream)}, reading the secret from {@code in}. */
    public static int hash(String[] args, InputStream in, PrintStream out, PrintStream err) {
        int iterations = Pbkdf2Hash.DEFAULT_ITERATIONS;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--iterations") && i + 1 < args.length) {
                try {
                    iterations = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    err.println("agents hash: --iterations: expected a number, got '" + args[i] + "'");
                    return USAGE;
                }
            } else {
                err.println("agents hash: unexpected argument '" + args[i] + "'\n" + USAGE_TEXT);
                return USAGE;
            }
        }
        char[] secret;
        try {
            secret = firstLine(in);
        } catch (IOException e) {
            err.println("agents hash: cannot read the secret from standard input: " + e.getMessage());
            return FAILED;
        }
        try {
            if (secret.length == 0) {
                err.println("agents hash: no secret on standard input\n" + USAGE_TEXT);
                return USAGE;
            }
            out.println(Pbkdf2Hash.create(secret, iterations).encode());
            return OK;
        } catch (IllegalArgumentException e) {
            err.println("agents hash: " + e.getMessage());
            return USAGE;
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    /** The first line without its line ending, decoded as UTF-8; the byte buffer is wiped. */
    private static char[] firstLine(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_SECRET_BYTES);
        try {
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            if (end > 0 && bytes[end - 1] == '\r') {
                end--;
            }
            java.nio.CharBuffer chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(bytes, 0, end));
            char[] secret = new char[chars.remaining()];
            chars.get(secret);
            Arrays.fill(chars.array(), '\0');
            return secret;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
