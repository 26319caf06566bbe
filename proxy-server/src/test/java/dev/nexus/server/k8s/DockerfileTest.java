package dev.nexus.server.k8s;

import dev.nexus.server.k8s.inject.InjectorConfig;
import dev.nexus.server.k8s.iptables.IptablesCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No container engine runs the build here, so this checks the facts of the Dockerfile a deployment
 * relies on: the runtime stage, the non-root user, the health check, the ports and the jar path.
 */
class DockerfileTest {

    /** Instructions of the final stage, continuation lines joined, comments dropped. */
    private static List<String> runtime;
    private static List<String> all;

    @BeforeAll
    static void parse() throws Exception {
        all = instructions(Files.readAllLines(RepoFiles.root().resolve("Dockerfile")));
        int lastFrom = -1;
        for (int i = 0; i < all.size(); i++) {
            if (keyword(all.get(i)).equals("FROM")) {
                lastFrom = i;
            }
        }
        runtime = all.subList(lastFrom, all.size());
    }

    @Test
    void multiStageBuildWithTheWrapperThenASlimJre() {
        List<String> froms = all.stream().filter(i -> keyword(i).equals("FROM")).toList();
        assertThat(froms).containsExactly("FROM maven:3.9-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre");
        List<Integer> builds = new ArrayList<>();
        int firstSourceCopy = -1;
        for (int i = 0; i < all.size(); i++) {
            String instruction = all.get(i);
            if (keyword(instruction).equals("RUN") && instruction.contains("./mvnw")) {
                assertThat(instruction).contains("package");
                builds.add(i);
            } else if (firstSourceCopy < 0 && instruction.matches("COPY \\S+/src .*")) {
                firstSourceCopy = i;
            }
        }
        assertThat(builds).hasSize(2);
        assertThat(builds.get(0)).as("dependency cache layer built from the poms alone").isLessThan(firstSourceCopy);
        assertThat(builds.get(1)).as("the real build after the sources").isGreaterThan(firstSourceCopy);
    }

    @Test
    void runsAsNonRootNumericUser() {
        List<String> users = runtime.stream().filter(i -> keyword(i).equals("USER")).toList();
        assertThat(users).hasSize(1);
        String user = users.get(0).substring("USER".length()).trim().split(":")[0];
        assertThat(user).matches("[0-9]+").isNotEqualTo("0").isEqualTo("1337");
    }

    @Test
    void healthCheckCallsHealthzOnTheAdminPort() {
        List<String> checks = runtime.stream().filter(i -> keyword(i).equals("HEALTHCHECK")).toList();
        assertThat(checks).hasSize(1);
        assertThat(checks.get(0)).contains("CMD").contains("http://127.0.0.1:9090/healthz");
        assertThat(runtime.stream().filter(i -> keyword(i).equals("RUN")).toList().toString())
                .as("the health check's curl is installed").contains("curl");
    }

    @Test
    void exposesProxyAdminAndTransparentListenerPorts() {
        String expose = runtime.stream().filter(i -> keyword(i).equals("EXPOSE")).findFirst().orElseThrow();
        assertThat(List.of(expose.substring("EXPOSE".length()).trim().split("\\s+"))).contains("3128", "9090",
                String.valueOf(IptablesCommand.DEFAULT_HTTP_PORT), String.valueOf(IptablesCommand.DEFAULT_HTTPS_PORT));
    }

    @Test
    void copiesTheShadedJarByItsFinalName() throws Exception {
        String finalName = shadeFinalName(RepoFiles.root().resolve("proxy-server/pom.xml"));
        String copy = runtime.stream().filter(i -> keyword(i).equals("COPY") && i.contains("--from=build")).findFirst().orElseThrow();
        assertThat(copy).contains("/src/proxy-server/target/" + finalName + ".jar");
        String entrypoint = runtime.stream().filter(i -> keyword(i).equals("ENTRYPOINT")).findFirst().orElseThrow();
        String jarInImage = copy.trim().split("\\s+")[3];
        assertThat(entrypoint).contains("-jar " + jarInImage).contains("exec java");
    }

    @Test
    void theImagesJvmFlagsAreTheSidecarProfileTheInjectorAndTheChartGiveTheSidecar() {
        String env = runtime.stream().filter(i -> keyword(i).equals("ENV") && i.contains("NEXUS_JVM_OPTS")).findFirst().orElseThrow();
        assertThat(env).isEqualTo("ENV NEXUS_JVM_OPTS=\"" + InjectorConfig.SIDECAR_JVM_OPTIONS + "\"");
        String entrypoint = runtime.stream().filter(i -> keyword(i).equals("ENTRYPOINT")).findFirst().orElseThrow();
        assertThat(entrypoint).contains("exec java $NEXUS_JVM_OPTS ");
    }

    @Test
    void theClassDataArchiveTheProfileMapsIsBuiltFromTheShippedJarAfterTheFlagsAreSet() {
        Matcher archive = Pattern.compile("-XX:SharedArchiveFile=(\\S+)").matcher(InjectorConfig.SIDECAR_JVM_OPTIONS);
        assertThat(archive.find()).isTrue();
        String jar = runtime.stream().filter(i -> keyword(i).equals("COPY") && i.contains("--from=build")).findFirst()
                .orElseThrow().trim().split("\\s+")[3];
        int env = indexOf(i -> keyword(i).equals("ENV") && i.contains("NEXUS_JVM_OPTS"));
        int build = indexOf(i -> keyword(i).equals("RUN") && i.contains("build-cds-archive"));
        assertThat(runtime.get(build)).contains("build-cds-archive " + jar + " " + archive.group(1) + " $NEXUS_JVM_OPTS");
        assertThat(build).as("the archive is built with the flags the proxy runs with").isGreaterThan(env);
        assertThat(indexOf(i -> keyword(i).equals("USER"))).as("built before the image drops to its user").isGreaterThan(build);
        assertThat(RepoFiles.root().resolve("bin/build-cds-archive")).isExecutable();
    }

    private static int indexOf(Predicate<String> instruction) {
        for (int i = 0; i < runtime.size(); i++) {
            if (instruction.test(runtime.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such instruction in the runtime stage");
    }

    private static String shadeFinalName(Path pom) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        NodeList plugins = doc.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (plugin.getElementsByTagName("artifactId").item(0).getTextContent().equals("maven-shade-plugin")) {
                return plugin.getElementsByTagName("finalName").item(0).getTextContent().trim();
            }
        }
        throw new AssertionError("no maven-shade-plugin in " + pom);
    }

    private static String keyword(String instruction) {
        return instruction.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
    }

    private static List<String> instructions(List<String> lines) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            out.add(current.toString().replaceAll("\\s+", " ").trim());
            current.setLength(0);
        }
        return out;
    }
}
