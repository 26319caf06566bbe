package dev.nexus.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real curl binary as an agent would, with the build machine's proxy and CA-bundle variables
 * removed so only the arguments decide where curl goes and whom it trusts. Bounded by a deadline. The one
 * way the tests run curl.
 */
public final class Curl {

    /** What one curl run printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private Curl() {
    }

    public static boolean installed() {
        try {
            Process process = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs {@code curl --silent --show-error --max-time 15 ARGS}; the output goes through temporary files
     * (never a pipe that could fill up), removed afterwards.
     */
    public static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "15"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.toLowerCase().endsWith("_proxy")
                || name.equals("SSL_CERT_FILE") || name.equals("SSL_CERT_DIR") || name.equals("CURL_CA_BUNDLE"));
        Path stdout = Files.createTempFile("curl", ".out");
        Path stderr = Files.createTempFile("curl", ".err");
        try {
            Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("curl did not finish within 20 s: " + command);
            }
            return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
