package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.nexus.server.k8s.RepoFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart in {@code helm/nexus-proxy}, linted and rendered by real Helm: helm-java links Helm's own Go
 * code in-process (through JNA), so {@code helm template} and {@code helm lint} run here exactly as on a
 * platform engineer's machine, values.schema.json, {@code fail} and {@code required} included. Values are
 * given as YAML documents, merged in order on top of values.yaml like repeated {@code -f} flags.
 */
final class HelmChart {

    static final Path DIR = RepoFiles.root().resolve("helm/nexus-proxy");
    /** The oldest Kubernetes the chart declares (Chart.yaml kubeVersion); rendering for it proves the floor. */
    static final String OLDEST_KUBERNETES = "1.29.0";
    static final String RELEASE = "np";
    static final String NAMESPACE = "nexus";

    /** What every gateway needs: the admin token Secret and a credential source (here the file source). */
    static final String GATEWAY_REQUIRED = """
            proxy: {adminToken: {existingSecret: nexus-admin}}
            authority: {file: {existingSecret: nexus-credentials}}
            """;
    /** What every injector needs: the admin token Secret and a Nexus Authority with its API key Secret. */
    static final String INJECTOR_REQUIRED = """
            mode: injector
            proxy: {adminToken: {existingSecret: nexus-admin}}
            authority: {url: "https://authority.example.com", apiKey: {existingSecret: nexus-authority}}
            """;

    private HelmChart() {
    }

    /** {@code helm template} for the oldest supported Kubernetes; fails the test on any Helm error. */
    static Manifests render(String... values) {
        return Manifests.parse(template(OLDEST_KUBERNETES, values));
    }

    /** {@code helm template}'s raw output, or Helm's error as an {@link IllegalStateException}. */
    static String template(String kubeVersion, String... values) {
        Path dir = tempDir();
        try {
            var template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(kubeVersion);
            for (int i = 0; i < values.length; i++) {
                template.withValuesFile(Files.writeString(dir.resolve("values-" + i + ".yaml"), values[i]));
            }
            return template.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(dir);
        }
    }

    /**
     * {@code helm lint --strict} with these values. helm lint takes no values of its own, and with the defaults
     * alone the chart's {@code fail} stops rendering before any template is linted, so a copy of the chart
     * gets values.yaml with the values merged in.
     */
    static LintResult lintStrict(String... values) {
        Path copy = tempDir().resolve(DIR.getFileName());
        try {
            copyTree(DIR, copy);
            JsonNode merged = SchemaValidation.yaml(DIR.resolve("values.yaml"));
            for (String overrides : values) {
                merge((ObjectNode) merged, SchemaValidation.YAML.readTree(overrides));
            }
            SchemaValidation.YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
            return new Helm(copy).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(copy.getParent());
        }
    }

    /** Helm's deep merge of values files: mappings merge key by key, anything else is replaced. */
    private static void merge(ObjectNode target, JsonNode overrides) {
        Iterator<Map.Entry<String, JsonNode>> fields = overrides.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode object && field.getValue().isObject()) {
                merge(object, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("helm-chart-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Files.copy(source, to.resolve(from.relativize(source).toString()));
            }
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
