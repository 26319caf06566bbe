package dev.nexus.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nexus-proxy} as a real process: exit codes, output streams, signals. */
class MainProcessTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern ADMIN = Pattern.compile("admin listening on http://127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern PROXY = Pattern.compile("proxy listening on /127\\.0\\.0\\.1:(\\d+) ");

    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process process : processes) {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(String... args) throws IOException {
        return start(new ProcessBuilder(), args);
    }

    private Process start(ProcessBuilder builder, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx128m", Main.class.getName()));
        command.addAll(List.of(args));
        Process process = builder.command(command).directory(dir.toFile()).start();
        processes.add(process);
        return process;
    }

    /** Runs to completion and returns exit code, stdout and stderr. */
    private Result runToEnd(String... args) throws Exception {
        Process process = start(args);
        process.getOutputStream().close();
        assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "process finished");
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String out, String err) {
    }

    @Test
    void versionExitsZero() throws Exception {
        Result result = runToEnd("--version");

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().startsWith("nexus-proxy 0.1.0-SNAPSHOT\n"), result.out());
        assertEquals("", result.err());
    }

    @Test
    void invalidConfigExitsTwoWithOneLineAndNoStackTrace() throws Exception {
        Files.writeString(dir.resolve("config.yaml"), "admin:\n  token: short\n");

        Result result = runToEnd("--config", "config.yaml");

        assertEquals(2, result.exitCode());
        assertEquals("nexus-proxy: config.yaml:2: admin.token: must be at least 16 characters\n",
                result.err());
        assertEquals("", result.out());
    }

    @Test
    void aCredentialFileOthersCanReadExitsTwoWithOneLineAndCreatesNothing() throws Exception {
        Path credentials = dir.resolve("creds.yaml");
        Files.writeString(credentials, "{}\n");
        Files.setPosixFilePermissions(credentials, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(dir.resolve("config.yaml"), """
                listen: {port: 0}
                admin: {port: 0}
                authority: {file: {path: creds.yaml}}
                """);

        Result result = runToEnd("--config", "config.yaml");

        assertEquals(2, result.exitCode(), result.err());
        assertEquals("nexus-proxy: cannot start: credential file creds.yaml is readable or writable by other users"
                + " (permissions rw-r--r--); it holds secrets: run 'chmod 600 creds.yaml' (in Kubernetes, mount it with"
                + " defaultMode 0400), or allow insecure permissions explicitly",
                result.err().lines().reduce((first, second) -> second).orElseThrow());
        assertFalse(result.err().contains("SEVERE") || result.err().contains("\tat "), result.err());
        assertFalse(Files.exists(dir.resolve("nexus-admin-token")), "admin token file created");
        assertFalse(Files.exists(dir.resolve("nexus-ca")), "CA directory created");
    }

    @Test
    void unknownCommandExitsTwoWithUsageOnStderr() throws Exception {
        Result result = runToEnd("serve");

        assertEquals(2, result.exitCode());
        assertTrue(result.err().startsWith("nexus-proxy: unknown command 'serve'\n\nUsage: nexus-proxy"), result.err());
        assertEquals("", result.out());
    }

    @Test
    void runServesAdminReloadsOnHangupAndStopsOnTerm() throws Exception {
        int adminPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            adminPort = probe.getLocalPort();
        }
        Files.writeString(dir.resolve("policy.yaml"), """
                version: 1
                routes:
                  - name: local-admin
                    match: {hosts: ["127.0.0.1/32"], ports: [%d]}
                    action: allow
                """.formatted(adminPort));
        Files.writeString(dir.resolve("config.yaml"), """
                listen: {port: 0}
                admin: {port: ADMIN_PORT}
                policy: {path: policy.yaml}
                timeouts: {shutdown_drain: "${DRAIN:-1s}"}
                """.replace("ADMIN_PORT", Integer.toString(adminPort)));
        // stderr goes to a file: a pipe read concurrently with the process exiting can lose the last lines.
        Path stderr = dir.resolve("stderr.log");
        Path stdout = dir.resolve("stdout.log");
        Process process = start(new ProcessBuilder().redirectError(stderr.toFile()).redirectOutput(stdout.toFile()),
                "run", "--config", "config.yaml");
        process.getOutputStream().close();
        Supplier<List<String>> log = () -> {
            try {
                return Files.readAllLines(stderr, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };

        await().atMost(WAIT).until(() -> log.get().stream().anyMatch(l -> ADMIN.matcher(l).find()));
        Matcher admin = log.get().stream().map(ADMIN::matcher).filter(Matcher::find).findFirst().orElseThrow();
        int port = Integer.parseInt(admin.group(1));
        HttpClient client = HttpClient.newHttpClient();
        // Startup goes on after the admin listener is up (policy, CA generation on first start, listener);
        // /healthz says 200 only once it is done.
        await().atMost(WAIT).until(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(Files.exists(dir.resolve("nexus-ca").resolve("ca.crt")), "the CA is generated on first start");
        assertTrue(ready.body().contains("\"policy loaded\""), ready.body());
        assertTrue(log.get().contains("  shutdown_drain: 1s"), "effective configuration is logged");

        Matcher proxy = log.get().stream().map(PROXY::matcher).filter(Matcher::find).findFirst().orElseThrow();
        HttpClient viaProxy = HttpClient.newBuilder()
                .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", Integer.parseInt(proxy.group(1)))))
                .build();
        HttpResponse<String> proxied = viaProxy.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz?probe=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, proxied.statusCode(), proxied.body());
        assertTrue(Files.exists(dir.resolve("nexus-credentials.yaml")), "the credential file is created on first start");

        Process hangup = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        assertEquals(0, hangup.waitFor());
        await().atMost(WAIT).until(() -> log.get().stream().anyMatch(l -> l.contains("reload requested")));

        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "stopped after SIGTERM");
        assertEquals(143, process.exitValue());
        List<String> lines = log.get();
        assertTrue(lines.stream().anyMatch(l -> l.contains("shutting down: draining for up to 1s")), lines.toString());
        assertTrue(lines.get(lines.size() - 1).endsWith("NexusServer: stopped"), lines.toString());
        assertFalse(lines.stream().anyMatch(l -> l.contains("Exception")), lines.toString());
        String accessLog = Files.readString(stdout);
        assertTrue(accessLog.contains("\"path\":\"/healthz\"") && accessLog.contains("\"route\":\"local-admin\""),
                "stdout carries the access log: " + accessLog);
        assertFalse(accessLog.contains("probe=1"), "no query strings in the access log");
    }
}
