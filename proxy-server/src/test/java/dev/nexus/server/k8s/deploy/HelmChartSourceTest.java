package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
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
 * What Helm does not check about the chart's sources: the {@code helm create} layout, every {@code .Values}
 * path a template reads is declared in values.yaml (Helm renders a misspelt path as empty, silently), and
 * every value is documented in the chart README.
 */
class HelmChartSourceTest {

    private static final Pattern VALUES_REF = Pattern.compile("\\.Values((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

    private static JsonNode values;

    @BeforeAll
    static void load() throws IOException {
        values = SchemaValidation.yaml(HelmChart.DIR.resolve("values.yaml"));
    }

    @Test
    void followsTheHelmCreateLayout() {
        for (String file : List.of("Chart.yaml", "values.yaml", "values.schema.json", "README.md", ".helmignore",
                "templates/_helpers.tpl", "templates/NOTES.txt", "templates/tests/test-connection.yaml")) {
            assertThat(HelmChart.DIR.resolve(file)).as(file).isRegularFile();
        }
    }

    @Test
    void everyValueATemplateReadsExistsInValuesYaml() throws IOException {
        Set<String> missing = new TreeSet<>();
        try (Stream<Path> files = Files.walk(HelmChart.DIR.resolve("templates"))) {
            for (Path template : files.filter(Files::isRegularFile).sorted().toList()) {
                Matcher m = VALUES_REF.matcher(Files.readString(template));
                while (m.find()) {
                    String path = m.group(1).substring(1);
                    if (!exists(values, path)) {
                        missing.add(HelmChart.DIR.relativize(template) + ": .Values." + path);
                    }
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void readmeDocumentsEveryValue() throws IOException {
        String readme = Files.readString(HelmChart.DIR.resolve("README.md"));
        List<String> undocumented = new ArrayList<>();
        // Free-form Kubernetes objects are documented as a whole.
        List<String> wholeObjects = List.of("podSecurityContext", "securityContext", "resources",
                "gateway.networkPolicy.clientNamespaceSelector", "injector.sidecar.resources", "redis.deploy.resources");
        for (String leaf : leaves(values, "")) {
            String documented = wholeObjects.stream().filter(o -> leaf.startsWith(o + ".")).findFirst().orElse(leaf);
            if (!readme.contains("`" + documented + "`")) {
                undocumented.add(leaf);
            }
        }
        assertThat(undocumented).isEmpty();
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
        if (node.isObject() && !node.isEmpty()) {
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
}
