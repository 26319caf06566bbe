package dev.nexus.server.k8s;

import dev.nexus.proxy.testing.TestTlsMaterial;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
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
 * Transparent mode for real: a network namespace made by the test, the iptables and ip6tables rules that
 * {@code nexus-proxy iptables --print} emits applied inside it, the packaged proxy running there as uid 1337
 * (whose own traffic the rules exclude) with both transparent listeners on their default addresses, an origin
 * (HTTP on 80, HTTPS on 443, both families) on private addresses of that namespace, and curl as an agent with
 * no proxy settings and no CA variables at all. Needs root with ip, iptables, setpriv, curl and python3;
 * skipped with the reason otherwise ({@code .ci/run} installs them). The IPv6 cases also need ip6tables and
 * IPv6 inside the namespace, and are skipped with the failing command's output when either is missing.
 *
 * <p>One namespace and one proxy serve all cases (starting the JVM is the slow part); counters are compared
 * before and after each case, and the last case removes the rules with the printed cleanup script.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TransparentNetnsIT {

    private static final String CREDENTIAL = "netns-credential-value";
    /**
     * What curl reads where the origin echoes the injected header: response redaction masks the credential byte
     * for byte, so the mask proves the origin received exactly it and the agent never did.
     */
    private static final String ECHOED = "authorization=Bearer " + "*".repeat(CREDENTIAL.length());
    private static final String ORIGIN_NAME = "origin.nexus.test";
    /** Proxy and CA variables: the agent has none, every command runs without them. */
    private static final List<String> CLIENT_ENVIRONMENT_CLEARED = List.of("http_proxy", "HTTP_PROXY", "https_proxy",
            "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR",
            "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO");
    /** The labels of a refusal before any route was chosen: no status was sent, the connection was closed. */
    private static final List<String> REFUSED_WITHOUT_DESTINATION =
            List.of("method=\"CONNECT\"", "route=\"none\"", "status_class=\"other\"");

    @TempDir
    static Path dir;
    private final String namespace = "nexus-it-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    private final int subnet = ThreadLocalRandom.current().nextInt(1, 250);
    private final String origin4 = "10.203." + subnet + ".1";
    private final String origin6 = "fd00:203:" + Integer.toHexString(subnet) + "::1";
    private final List<Process> processes = new ArrayList<>();
    private boolean namespaceCreated;
    /** Why the IPv6 cases cannot run here, or {@code null} when they can. */
    private String ipv6Unavailable;
    private Path jar;
    private Path proxyCa;

    @BeforeAll
    void startProxyInANamespace() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for ip netns and iptables");
        for (String tool : List.of("ip", "iptables", "setpriv", "curl", "python3")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed");
        }
        jar = Path.of("target", "nexus-proxy.jar").toAbsolutePath();
        Assumptions.assumeTrue(Files.exists(jar), "the packaged jar is missing (run through mvn verify)");

        succeeds(run("ip", "netns", "add", namespace));
        namespaceCreated = true;
        succeeds(inNamespace("ip", "link", "set", "lo", "up"));
        succeeds(inNamespace("ip", "addr", "add", origin4 + "/32", "dev", "lo"));
        ipv6Unavailable = prepareIpv6();

        Path work = prepareProxyFiles();
        startOrigin(work.resolve("origin.crt"));
        start("ip", "netns", "exec", namespace, "setpriv", "--reuid", "1337", "--regid", "1337", "--clear-groups",
                javaBinary(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-jar", work.resolve("nexus-proxy.jar").toString(),
                "--config", work.resolve("config.yaml").toString());

        succeeds(inNamespace("sh", printedRules("rules.sh").toString()));

        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250))
                .until(() -> curl("http://127.0.0.1:9090/readyz").output().contains("\"status\":\"ready\""));
        proxyCa = work.resolve("ca").resolve("ca.crt");
        assertThat(proxyCa).exists();
    }

    @AfterAll
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
    @Order(1)
    void redirectedPlainHttpGetsCredentialsWithoutAnyProxySettings() throws Exception {
        assertThat(curl("http://" + origin4 + "/repos").output()).isEqualTo(ECHOED);
    }

    @Test
    @Order(2)
    void redirectedTlsIsRoutedBySniInterceptedWithTheProxyCaAndGetsCredentials() throws Exception {
        Result answer = curl("--cacert", proxyCa.toString(), "--resolve", ORIGIN_NAME + ":443:" + origin4,
                "https://" + ORIGIN_NAME + "/repos");
        assertThat(answer.output()).isEqualTo(ECHOED);
        assertThat(answer.exitCode()).isZero();
    }

    @Test
    @Order(3)
    void tlsWithoutServerNameIsRefusedAndCounted() throws Exception {
        double before = requestsCounted(REFUSED_WITHOUT_DESTINATION);
        // curl sends no SNI to an IP address: the proxy cannot tell where the connection was going.
        Result refused = curl("--cacert", proxyCa.toString(), "https://" + origin4 + "/repos");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).doesNotContain("authorization");
        await().atMost(Duration.ofSeconds(10)).until(() -> requestsCounted(REFUSED_WITHOUT_DESTINATION) == before + 1);
    }

    @Test
    @Order(4)
    void ipv6IsRedirectedToTheListenersOnIpv6LoopbackWithTheSameRouting() throws Exception {
        Assumptions.assumeTrue(ipv6Unavailable == null, () -> "no IPv6 in the namespace: " + ipv6Unavailable);
        assertThat(curl("http://[" + origin6 + "]/repos").output()).isEqualTo(ECHOED);

        Result tls = curl("--cacert", proxyCa.toString(), "--resolve", ORIGIN_NAME + ":443:[" + origin6 + "]",
                "https://" + ORIGIN_NAME + "/repos");
        assertThat(tls.output()).isEqualTo(ECHOED);

        double before = requestsCounted(REFUSED_WITHOUT_DESTINATION);
        Result refused = curl("--cacert", proxyCa.toString(), "https://[" + origin6 + "]/repos");
        assertThat(refused.exitCode()).isNotZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> requestsCounted(REFUSED_WITHOUT_DESTINATION) == before + 1);
    }

    @Test
    @Order(5)
    void cleanupScriptRemovesTheRulesOfBothFamilies() throws Exception {
        succeeds(inNamespace("sh", printedRules("cleanup.sh", "--cleanup").toString()));
        assertThat(inNamespace("iptables", "-t", "nat", "-S").output()).doesNotContain("NEXUS_OUTPUT");
        // Without the redirect, curl reaches the origin itself: no credential.
        assertThat(curl("http://" + origin4 + "/repos").output()).isEqualTo("authorization=None");
        if (ipv6Unavailable == null) {
            assertThat(inNamespace("ip6tables", "-t", "nat", "-S").output()).doesNotContain("NEXUS_OUTPUT");
            assertThat(curl("http://[" + origin6 + "]/repos").output()).isEqualTo("authorization=None");
        }
    }

    /** Adds the IPv6 origin address; returns why IPv6 cannot be tested here, or {@code null}. */
    private String prepareIpv6() throws IOException, InterruptedException {
        if (!onPath("ip6tables")) {
            return "ip6tables is not installed";
        }
        Result added = inNamespace("ip", "-6", "addr", "add", origin6 + "/128", "dev", "lo", "nodad");
        if (added.exitCode() != 0) {
            return "'ip -6 addr add " + origin6 + "/128 dev lo nodad' failed: " + added.output().strip();
        }
        Result nat = inNamespace("ip6tables", "-t", "nat", "-S");
        if (nat.exitCode() != 0) {
            return "'ip6tables -t nat -S' failed: " + nat.output().strip();
        }
        return null;
    }

    /** Config, policy, credentials, the origin's certificate and the jar, in a directory uid 1337 owns. */
    private Path prepareProxyFiles() throws Exception {
        Path work = dir.resolve("proxy");
        Files.createDirectories(work);
        Files.copy(jar, work.resolve("nexus-proxy.jar"), StandardCopyOption.REPLACE_EXISTING);
        TestTlsMaterial originTls = TestTlsMaterial.selfSigned(ORIGIN_NAME, "EC",
                new GeneralName(GeneralName.dNSName, ORIGIN_NAME));
        originTls.writeCertificate(work.resolve("origin.crt"));
        originTls.writePkcs8Key(dir.resolve("origin.key"));
        Files.writeString(work.resolve("config.yaml"), """
                listen: {port: 3128}
                admin: {port: 9090, token_file: %1$s/admin-token}
                policy: {path: %1$s/policy.yaml}
                authority: {type: file, file: {path: %1$s/credentials.yaml}}
                tls: {ca_dir: %1$s/ca, upstream_ca_bundle: %1$s/origin.crt}
                upstream: {hosts: {%2$s: %3$s}}
                transparent: {http: {enabled: true}, tls: {enabled: true}}
                """.formatted(work, ORIGIN_NAME, origin4));
        Files.writeString(work.resolve("policy.yaml"), """
                version: 1
                routes:
                  - name: origin-by-address
                    match: {hosts: ["%1$s/32", "%2$s/128"], schemes: [http]}
                    action: inject
                    connection: demo
                  - name: origin-by-name
                    match: {hosts: [%3$s], schemes: [https]}
                    action: inject
                    connection: demo
                    allow_private_cidrs: ["%1$s/32"]
                """.formatted(origin4, origin6, ORIGIN_NAME));
        Files.writeString(work.resolve("credentials.yaml"), """
                demo:
                  strategy: {type: oauth2}
                  credentials: {access_token: "%s"}
                """.formatted(CREDENTIAL));
        succeeds(run("chown", "-R", "1337:1337", work.toString()));
        succeeds(run("chmod", "600", work.resolve("credentials.yaml").toString()));
        succeeds(run("chmod", "755", dir.toString()));
        return work;
    }

    /**
     * HTTP on 80 and HTTPS on 443, each on one dual-stack socket, answering with the Authorization header it
     * received. Started as root, so its traffic is not the proxy's; returns once both ports listen.
     */
    private void startOrigin(Path certificate) throws IOException {
        Path script = dir.resolve("origin.py");
        Path ready = dir.resolve("origin.ready");
        Files.writeString(script, """
                import http.server, socket, socketserver, ssl, sys, threading
                class H(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        body = ("authorization=%s" % self.headers.get("Authorization")).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                class DualStack(http.server.ThreadingHTTPServer):
                    address_family = socket.AF_INET6
                    def server_bind(self):
                        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                        socketserver.TCPServer.server_bind(self)
                        self.server_name, self.server_port = "origin", self.server_address[1]
                plain = DualStack(("::", 80), H)
                tls = DualStack(("::", 443), H)
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[1], sys.argv[2])
                tls.socket = context.wrap_socket(tls.socket, server_side=True)
                threading.Thread(target=tls.serve_forever, daemon=True).start()
                open(sys.argv[3], "w").close()
                plain.serve_forever()
                """);
        start("ip", "netns", "exec", namespace, "python3", script.toString(), certificate.toString(),
                dir.resolve("origin.key").toString(), ready.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(ready));
    }

    /**
     * Writes what {@code nexus-proxy iptables --print [options]} prints to {@code name}, for the shell in the
     * namespace; without the ip6tables half when the namespace has no IPv6.
     */
    private Path printedRules(String name, String... options) throws IOException, InterruptedException {
        Path script = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString(), "iptables", "--print"));
        command.addAll(List.of(options));
        if (ipv6Unavailable != null) {
            command.add("--no-ipv6");
        }
        Process print = new ProcessBuilder(command).redirectOutput(script.toFile()).start();
        assertThat(print.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(print.exitValue()).isZero();
        return script;
    }

    /** The value of the {@code nexus_requests_total} series with exactly these labels (0 before the first). */
    private double requestsCounted(List<String> labels) throws IOException, InterruptedException {
        for (String line : curl("http://127.0.0.1:9090/metrics").output().split("\n")) {
            if (line.startsWith("nexus_requests_total{") && labels.stream().allMatch(line::contains)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** curl in the namespace as root, with no proxy and no CA settings from the environment. */
    private Result curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "5"));
        command.addAll(List.of(args));
        return inNamespace(command.toArray(String[]::new));
    }

    private void start(String... command) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process-" + processes.size() + ".log").toFile()).start());
    }

    private record Result(int exitCode, String output) {
    }

    private Result inNamespace(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        CLIENT_ENVIRONMENT_CLEARED.forEach(builder.environment()::remove);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1, output);
    }

    private static void succeeds(Result result) {
        assertThat(result.exitCode()).as(result.output()).isZero();
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
