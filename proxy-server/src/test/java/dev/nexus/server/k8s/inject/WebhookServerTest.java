package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nexus.server.k8s.K8sCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The webhook end to end: real TLS on loopback, the JDK HttpClient trusting exactly the server's certificate. */
class WebhookServerTest {

    @TempDir
    static Path certDir;
    private static WebhookServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        X509Certificate certificate = TestCertificates.write(certDir, TestCertificates.KeyFormat.EC_PKCS8);
        server = K8sCommands.startWebhook(new String[]{
                "--cert", certDir.resolve("tls.crt").toString(), "--key", certDir.resolve("tls.key").toString(),
                "--bind", "localhost", "--port", "0"}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        client = HttpClient.newBuilder().sslContext(TestCertificates.trusting(certificate))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static URI uri(String path) {
        return URI.create("https://localhost:" + server.address().getPort() + path);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersAnAdmissionReviewWithAPatchThatApplies() throws Exception {
        ObjectNode review = AdmissionFixtures.review("explicit-multi-container.json");
        HttpResponse<String> response = post("/inject", review.toString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode answer = AdmissionFixtures.MAPPER.readTree(response.body());
        assertThat(answer.path("response").path("uid").asText()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        JsonNode pod = AdmissionFixtures.applyPatch(answer, AdmissionFixtures.pod(review));
        assertThat(AdmissionFixtures.names(pod.path("spec").path("initContainers")))
                .containsExactly("nexus-ca-init", "nexus-proxy", "migrate");
    }

    @Test
    void namespacePathInjectsPodsWithoutTheAnnotation() throws Exception {
        ObjectNode review = AdmissionFixtures.review("namespace-bare-pod.json");
        JsonNode viaAnnotationPath = AdmissionFixtures.MAPPER.readTree(post("/inject", review.toString()).body());
        assertThat(viaAnnotationPath.path("response").has("patch")).isFalse();
        JsonNode viaNamespacePath = AdmissionFixtures.MAPPER.readTree(post("/inject-namespace", review.toString()).body());
        assertThat(viaNamespacePath.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
    }

    @Test
    void badRequestsGetClearErrors() throws Exception {
        HttpResponse<String> notJson = post("/inject", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("body is not JSON");

        HttpResponse<String> get = client.send(HttpRequest.newBuilder(uri("/inject")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);

        HttpResponse<String> wrongPath = post("/inject/other", "{}");
        assertThat(wrongPath.statusCode()).isEqualTo(404);

        HttpResponse<String> huge = post("/inject", "x".repeat(WebhookServer.MAX_BODY_BYTES + 1));
        assertThat(huge.statusCode()).isEqualTo(413);
    }

    @Test
    void aPodTheInjectorCannotProcessGets500AndTheServerKeepsServing() throws Exception {
        ObjectNode review = AdmissionFixtures.review("explicit-multi-container.json");
        ((ObjectNode) review.path("request").path("object").path("spec")).putObject("containers").put("agent", "not-a-list");
        HttpResponse<String> broken = post("/inject", review.toString());
        assertThat(broken.statusCode()).isEqualTo(500);
        assertThat(broken.body()).isEqualTo("{\"error\":\"internal error in the injector\"}");
        assertThat(post("/inject", AdmissionFixtures.review("explicit-multi-container.json").toString()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void healthzAnswers() throws Exception {
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(uri("/healthz")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    @Test
    void clientsThatDoNotTrustTheCertificateAreRefused() {
        HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(uri("/healthz")).GET().build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void rotatedCertificateIsServedWithoutARestart(@TempDir Path dir) throws Exception {
        X509Certificate first = TestCertificates.write(dir, TestCertificates.KeyFormat.RSA_PKCS1);
        SSLContext tls = WebhookServer.sslContext(dir.resolve("tls.crt"), dir.resolve("tls.key"), Duration.ofMillis(50));
        try (WebhookServer rotating = WebhookServer.start(new InetSocketAddress("localhost", 0), tls,
                new AdmissionReviewHandler(AdmissionFixtures.MAPPER, new PodInjector(InjectorConfig.defaults())),
                AdmissionFixtures.MAPPER)) {
            URI health = URI.create("https://localhost:" + rotating.address().getPort() + "/healthz");
            Path renewed = Files.createDirectory(dir.resolve("renewed"));
            X509Certificate second = TestCertificates.write(renewed, TestCertificates.KeyFormat.EC_PKCS8);
            assertThat(servedCertificate(health, first, second)).isEqualTo(first);

            // what the kubelet does when cert-manager renews the Secret: new files, new modification times
            Files.move(renewed.resolve("tls.key"), dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(renewed.resolve("tls.crt"), dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
            FileTime later = FileTime.from(Instant.now().plusSeconds(5));
            Files.setLastModifiedTime(dir.resolve("tls.crt"), later);
            Files.setLastModifiedTime(dir.resolve("tls.key"), later);

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> servedCertificate(health, first, second).equals(second));
        }
    }

    @Test
    void unreadableKeyIsAUsageErrorNamingTheFileNotItsContent(@TempDir Path dir) throws Exception {
        TestCertificates.write(dir, TestCertificates.KeyFormat.EC_PKCS8);
        Files.writeString(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = K8sCommands.injectWebhook(new String[]{"--cert", dir.resolve("tls.crt").toString(),
                        "--key", dir.resolve("tls.key").toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(dir.resolve("tls.key").toString())
                .doesNotContain("c2VjcmV0LWtleS1tYXRlcmlhbA");
    }

    /** The certificate a fresh client (new TLS session, no resumption) is shown. */
    private static X509Certificate servedCertificate(URI uri, X509Certificate... trusted) throws Exception {
        HttpClient fresh = HttpClient.newBuilder().sslContext(TestCertificates.trusting(trusted))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = fresh.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    @Test
    void missingKeyFileIsAUsageErrorNamingIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = K8sCommands.injectWebhook(new String[]{"--cert", certDir.resolve("tls.crt").toString(),
                        "--key", "/nonexistent/tls.key"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("/nonexistent/tls.key");
    }
}
