package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nexus.server.k8s.K8sCommands;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The webhook end to end: real TLS on loopback, the JDK HttpClient trusting exactly the server's certificate. */
class WebhookServerTest {

    private static SelfSignedCertificate certificate;
    private static WebhookServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        certificate = new SelfSignedCertificate("localhost");
        server = K8sCommands.startWebhook(new String[]{
                "--cert", certificate.certificate().getPath(), "--key", certificate.privateKey().getPath(),
                "--bind", "localhost", "--port", "0"}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("webhook", certificate.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (certificate != null) {
            certificate.delete();
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
    void missingKeyFileIsAUsageErrorNamingIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = K8sCommands.injectWebhook(new String[]{"--cert", certificate.certificate().getPath(),
                        "--key", "/nonexistent/tls.key"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("/nonexistent/tls.key");
    }
}
