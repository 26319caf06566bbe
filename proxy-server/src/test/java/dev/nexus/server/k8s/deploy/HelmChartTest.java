package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.nexus.server.k8s.RepoFiles;
import dev.nexus.server.k8s.inject.InjectorConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * There is no helm binary on the build machines, so the chart is checked the ways that need none: values
 * against values.schema.json (as {@code helm install} would), every {@code .Values} path a template reads
 * against values.yaml, template delimiters and blocks balanced, every included helper defined, the
 * injector.yaml the chart renders limited to fields the injector knows, and every value documented.
 */
class HelmChartTest {

    private static final Pattern VALUES_REF = Pattern.compile("\\.Values((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");
    private static final Pattern INCLUDE = Pattern.compile("(?:include|template) \"([^\"]+)\"");
    private static final Pattern DEFINE = Pattern.compile("define \"([^\"]+)\"");
    private static final Pattern BLOCK_OPEN = Pattern.compile("\\{\\{-?\\s*(if|range|with|define)\\b");
    private static final Pattern BLOCK_END = Pattern.compile("\\{\\{-?\\s*end\\s*-?}}");

    private static Path chart;
    private static JsonNode values;
    private static JsonSchema schema;

    @BeforeAll
    static void load() throws IOException {
        chart = RepoFiles.root().resolve("helm/nexus-proxy");
        values = SchemaValidation.yaml(chart.resolve("values.yaml"));
        schema = SchemaValidation.schema(SchemaValidation.JSON.readTree(Files.readString(chart.resolve("values.schema.json"))));
    }

    @Test
    void followsTheHelmCreateLayout() {
        for (String file : List.of("Chart.yaml", "values.yaml", "values.schema.json", "README.md", ".helmignore",
                "templates/_helpers.tpl", "templates/NOTES.txt", "templates/tests/test-connection.yaml")) {
            assertThat(chart.resolve(file)).as(file).isRegularFile();
        }
    }

    @Test
    void chartMetadataIsHelm3() throws IOException {
        JsonNode meta = SchemaValidation.yaml(chart.resolve("Chart.yaml"));
        assertThat(meta.path("apiVersion").asText()).isEqualTo("v2");
        assertThat(meta.path("name").asText()).isEqualTo(chart.getFileName().toString());
        assertThat(meta.path("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(meta.path("type").asText()).isEqualTo("application");
    }

    @Test
    void defaultValuesSatisfyTheSchema() {
        assertThat(SchemaValidation.problems(schema, values)).isEmpty();
    }

    @Test
    void schemaRejectsMistakesAUserWouldMake() {
        assertThat(problemsWith("mode", "sidecar")).singleElement().asString().contains("mode");
        assertThat(problemsWith("proxy.port", 70000)).singleElement().asString().contains("proxy.port");
        assertThat(problemsWith("gateway.replicas", 3)).singleElement().asString().contains("replicas");
        assertThat(problemsWith("injector.sidecar.resources.limits.memory", "lots")).singleElement().asString().contains("memory");
        assertThat(problemsWith("injector.failurePolicy", "Maybe")).singleElement().asString().contains("failurePolicy");
        assertThat(problemsWith("redis.url", "localhost:6379")).singleElement().asString().contains("redis.url");
        assertThat(problemsWith("podSecurityContext.runAsUser", 0)).singleElement().asString().contains("runAsUser");
        assertThat(problemsWith("injector.sidecar.serviceCidrs", List.of("ten.96.0.0/12"))).isNotEmpty();
    }

    @Test
    void everyValueATemplateReadsExistsInValuesYaml() throws IOException {
        Set<String> missing = new TreeSet<>();
        for (Path template : templates()) {
            Matcher m = VALUES_REF.matcher(Files.readString(template));
            while (m.find()) {
                String path = m.group(1).substring(1);
                if (!exists(values, path)) {
                    missing.add(chart.relativize(template) + ": .Values." + path);
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void templatesAreBalancedAndIncludeOnlyDefinedHelpers() throws IOException {
        Set<String> defined = new TreeSet<>();
        Set<String> included = new TreeSet<>();
        for (Path template : templates()) {
            String text = Files.readString(template);
            String name = chart.relativize(template).toString();
            assertThat(count(text, "\\{\\{")).as(name + " delimiters").isEqualTo(count(text, "}}"));
            assertThat(count(text, BLOCK_OPEN.pattern())).as(name + " if/range/with/define vs end").isEqualTo(count(text, BLOCK_END.pattern()));
            collect(DEFINE, text, defined);
            collect(INCLUDE, text, included);
        }
        assertThat(defined).containsAll(included);
    }

    @Test
    void renderedInjectorConfigUsesOnlyFieldsTheInjectorKnows() throws IOException {
        String text = Files.readString(chart.resolve("templates/injector-configmap.yaml"));
        String block = text.substring(text.indexOf("injector.yaml: |"), text.indexOf("{{- $root := . }}"));
        Set<String> keys = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^    ([A-Za-z]+):").matcher(block);
        while (m.find()) {
            keys.add(m.group(1));
        }
        assertThat(keys).isEqualTo(new TreeSet<>(InjectorConfig.FIELDS));
    }

    @Test
    void readmeDocumentsEveryValue() throws IOException {
        String readme = Files.readString(chart.resolve("README.md"));
        List<String> undocumented = new ArrayList<>();
        // Free-form Kubernetes objects are documented as a whole.
        List<String> wholeObjects = List.of("podSecurityContext", "securityContext", "resources",
                "gateway.networkPolicy.clientNamespaceSelector", "injector.sidecar.resources");
        for (String leaf : leaves(values, "")) {
            String documented = wholeObjects.stream().filter(o -> leaf.startsWith(o + ".")).findFirst().orElse(leaf);
            if (!readme.contains("`" + documented + "`")) {
                undocumented.add(leaf);
            }
        }
        assertThat(undocumented).isEmpty();
    }

    private List<String> problemsWith(String path, Object value) {
        ObjectNode copy = values.deepCopy();
        String[] parts = path.split("\\.");
        ObjectNode parent = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            parent = (ObjectNode) parent.get(parts[i]);
        }
        parent.set(parts[parts.length - 1], SchemaValidation.JSON.valueToTree(value));
        return SchemaValidation.problems(schema, copy);
    }

    private static List<Path> templates() throws IOException {
        try (Stream<Path> files = Files.walk(chart.resolve("templates"))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static boolean exists(JsonNode root, String dotted) {
        JsonNode node = root;
        for (String part : dotted.split("\\.")) {
            if (!node.isObject() || !node.has(part)) {
                return false;
            }
            node = node.get(part);
        }
        return true;
    }

    private static List<String> leaves(JsonNode node, String prefix) {
        List<String> out = new ArrayList<>();
        if (node.isObject() && node.size() > 0) {
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                out.addAll(leaves(node.get(name), prefix.isEmpty() ? name : prefix + "." + name));
            }
        } else {
            out.add(prefix);
        }
        return out;
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static void collect(Pattern pattern, String text, Set<String> into) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            into.add(m.group(1));
        }
    }
}
