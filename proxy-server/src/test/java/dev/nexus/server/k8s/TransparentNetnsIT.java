package dev.nexus.server.k8s;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Transparent mode for real: a network namespace made by the test, the iptables rules that
 * {@code nexus-proxy iptables --print} emits applied inside it, the packaged proxy running there as uid 1337
 * (whose own traffic the rules exclude), an origin on a private address of that namespace, and curl as an
 * agent with no proxy settings at all. Needs root with ip, iptables, setpriv, curl and python3; skipped with
 * the reason otherwise ({@code .ci/run} installs them).
 */
class TransparentNetnsIT {

    private static final String CREDENTIAL = "netns-credential-value";

    @TempDir
    Path dir;
    private final String namespace = "nexus-it-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    private final List<Process> processes = new ArrayList<>();
    private boolean namespaceCreated;

    @AfterEach
    void cleanUp() throws Exception {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (namespaceCreated) {
            run("ip", "netns", "del", namespace);
        }
    }

    @Test
    void redirectedPlainHttpGetsCredentialsWithoutAnyProxySettings() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for ip netns and iptables");
        for (String tool : List.of("ip", "iptables", "setpriv", "curl", "python3")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed");
        }
        Path jar = Path.of("target", "nexus-proxy.jar").toAbsolutePath();
        Assumptions.assumeTrue(Files.exists(jar), "the packaged jar is missing (run through mvn verify)");

        String origin = "10.203." + ThreadLocalRandom.current().nextInt(1, 250) + ".1";
        assertThat(run("ip", "netns", "add", namespace)).isZero();
        namespaceCreated = true;
        assertThat(inNamespace("ip", "link", "set", "lo", "up")).isZero();
        assertThat(inNamespace("ip", "addr", "add", origin + "/32", "dev", "lo")).isZero();

        Path work = prepareProxyFiles(jar, origin);
        Path originScript = dir.resolve("origin.py");
        Files.writeString(originScript, """
                import http.server, sys
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        body = ("authorization=%s" % self.headers.get("Authorization")).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                http.server.HTTPServer((sys.argv[1], 80), H).serve_forever()
                """);
        start("ip", "netns", "exec", namespace, "python3", originScript.toString(), origin);
        start("ip", "netns", "exec", namespace, "setpriv", "--reuid", "1337", "--regid", "1337", "--clear-groups",
                javaBinary(), "-Xmx128m", "-jar", work.resolve("nexus-proxy.jar").toString(),
                "--config", work.resolve("config.yaml").toString());

        Path rules = dir.resolve("rules.sh");
        Process print = new ProcessBuilder(javaBinary(), "-jar", jar.toString(), "iptables", "--print", "--no-ipv6")
                .redirectOutput(rules.toFile()).start();
        assertThat(print.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(print.exitValue()).isZero();
        assertThat(inNamespace("sh", rules.toString())).isZero();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> curlInNamespace("http://127.0.0.1:9090/readyz").contains("\"status\":\"ready\""));
        String answer = curlInNamespace("http://" + origin + "/repos");
        assertThat(answer).isEqualTo("authorization=Bearer " + CREDENTIAL);
    }

    /** Config, policy, credentials and the jar in a directory the proxy's user (1337) owns. */
    private Path prepareProxyFiles(Path jar, String origin) throws IOException, InterruptedException {
        Path work = dir.resolve("proxy");
        Files.createDirectories(work);
        Files.copy(jar, work.resolve("nexus-proxy.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(work.resolve("config.yaml"), """
                listen: {port: 3128}
                admin: {port: 9090}
                policy: {path: %1$s/policy.yaml}
                authority: {type: file, file: {path: %1$s/credentials.yaml}}
                tls: {ca_dir: %1$s/ca}
                transparent: {http: {enabled: true}}
                """.formatted(work));
        Files.writeString(work.resolve("policy.yaml"), """
                version: 1
                routes:
                  - name: origin-in-namespace
                    match: {hosts: ["%s/32"], schemes: [http]}
                    action: inject
                    connection: demo
                """.formatted(origin));
        Files.writeString(work.resolve("credentials.yaml"), """
                demo:
                  strategy: {type: oauth2}
                  credentials: {access_token: "%s"}
                """.formatted(CREDENTIAL));
        assertThat(run("chown", "-R", "1337:1337", work.toString())).isZero();
        assertThat(run("chmod", "600", work.resolve("credentials.yaml").toString())).isZero();
        assertThat(run("chmod", "755", dir.toString())).isZero();
        return work;
    }

    private String curlInNamespace(String url) throws IOException, InterruptedException {
        ProcessBuilder curl = new ProcessBuilder("ip", "netns", "exec", namespace, "curl", "-sS", "--max-time", "5",
                "--noproxy", "*", url).redirectErrorStream(true);
        for (String variable : List.of("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY")) {
            curl.environment().remove(variable);
        }
        Process process = curl.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return output;
    }

    private void start(String... command) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process-" + processes.size() + ".log").toFile()).start());
    }

    private int inNamespace(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().transferTo(System.out);
        return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    private static boolean onPath(String tool) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
