package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM ignores HTTP_PROXY, so explicit mode hands it system properties through JAVA_TOOL_OPTIONS. This
 * starts a real JVM with exactly the JAVA_TOOL_OPTIONS the patch gives the app container and asks its
 * default ProxySelector where requests go.
 */
class JvmProxyOptionsTest {

    @Test
    void jdkClientsInAnInjectedContainerUseTheSidecarExceptForNoProxyHosts() throws Exception {
        var review = AdmissionFixtures.review("explicit-multi-container.json");
        var handler = new AdmissionReviewHandler(AdmissionFixtures.MAPPER, new PodInjector(InjectorConfig.defaults()));
        JsonNode pod = AdmissionFixtures.applyPatch(handler.review(review, false), AdmissionFixtures.pod(review));
        String javaToolOptions = AdmissionFixtures.env(AdmissionFixtures.named(pod.path("spec").path("containers"), "agent"),
                "JAVA_TOOL_OPTIONS");

        List<String> lines = probe(javaToolOptions,
                "https://api.github.com/repos", "http://example.com/", "http://billing.agents.svc.cluster.local/",
                "http://internal.example.com/", "http://localhost:8080/", "http://127.0.0.1:9090/");

        assertThat(lines).containsExactly(
                "https://api.github.com/repos -> HTTP 127.0.0.1:3128",
                "http://example.com/ -> HTTP 127.0.0.1:3128",
                "http://billing.agents.svc.cluster.local/ -> DIRECT",
                "http://internal.example.com/ -> DIRECT",
                "http://localhost:8080/ -> DIRECT",
                "http://127.0.0.1:9090/ -> DIRECT");
    }

    private static List<String> probe(String javaToolOptions, String... uris) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JvmProxyProbe.class.getName());
        command.addAll(List.of(uris));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        builder.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        Process process = builder.start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("probe JVM did not finish in 30 s");
        }
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("probe JVM stderr: " + err).isZero();
        assertThat(err).as("the JVM accepted JAVA_TOOL_OPTIONS").startsWith("Picked up JAVA_TOOL_OPTIONS");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
}
