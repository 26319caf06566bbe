package dev.nexus.server.k8s.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's JVM profiles cannot outgrow their containers: every memory area the JVM grows has an explicit bound in
 * the flags, and the bounds plus what the JVM needs beyond them fit the container's memory limit. A flag removed or
 * raised, or a limit lowered, fails here rather than as an OOM kill under load (docs/kubernetes.md, "JVM profiles").
 */
class JvmProfilesTest {

    private static final long MIB = 1024 * 1024;
    /**
     * Resident memory beyond the bounded areas, measured (NMT and /proc) with the sidecar profile under load: the
     * JDK's class-data archive, symbol tables, the JVM's own code, collector structures, malloc.
     */
    private static final long JVM_OWN = 48 * MIB;
    /** What C2's compilations take at once on top (NMT, compiler arenas at their peak); C1's stay under 4 MiB. */
    private static final long C2_COMPILATIONS = 30 * MIB;
    /** Stacks of the VM's own threads (VM thread, compiler threads), which -Xss does not size. */
    private static final long VM_THREAD_STACKS = 4 * MIB;
    /** One cached TLS leaf context (measured: 500 intercepted hosts took 30 MiB), most of it native, beyond any JVM bound. */
    private static final long TLS_LEAF = 64 * 1024;

    private static JsonNode values;

    @BeforeAll
    static void load() throws IOException {
        values = SchemaValidation.yaml(HelmChart.DIR.resolve("values.yaml"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // leaves: the rendered configs' tls.leaf_cache_size (the config default; the sidecar's is set by the chart)
            "gateway, proxy.jvmOptions, resources.limits.memory, 64, 1000",
            "sidecar, injector.sidecar.jvmOptions, injector.sidecar.resources.limits.memory, 32, 64",
    })
    void everyMemoryAreaIsBoundedAndTheBoundsFitTheContainerLimit(String profile, String flagsPath, String limitPath,
                                                                  int javaThreads, int leaves) {
        List<String> flags = List.of(at(flagsPath).asText().trim().split("\\s+"));
        long limit = quantity(at(limitPath).asText());

        long heap = flags.stream().anyMatch(f -> f.startsWith("-Xmx")) ? size(flags, "-Xmx")
                : (long) (limit * percentage(flags, "-XX:MaxRAMPercentage=") / 100);
        long metaspace = size(flags, "-XX:MaxMetaspaceSize=");
        long codeCache = size(flags, "-XX:ReservedCodeCacheSize=");
        long direct = size(flags, "-XX:MaxDirectMemorySize=");
        long stacks = javaThreads * size(flags, "-Xss") + VM_THREAD_STACKS;
        long compilations = flags.contains("-XX:TieredStopAtLevel=1") ? 0 : C2_COMPILATIONS;
        long tlsLeaves = leaves * TLS_LEAF;
        long budget = heap + metaspace + codeCache + direct + stacks + compilations + tlsLeaves + JVM_OWN;

        assertThat(flags).as("out of memory: exit and be restarted").contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(budget).as("%s: heap %d + metaspace %d + code cache %d + direct %d + stacks %d + compilations %d"
                        + " + TLS leaves %d + JVM %d MiB within the %d MiB limit", profile, heap / MIB, metaspace / MIB,
                codeCache / MIB, direct / MIB, stacks / MIB, compilations / MIB, tlsLeaves / MIB, JVM_OWN / MIB, limit / MIB)
                .isLessThanOrEqualTo(limit);
    }

    private static JsonNode at(String dotted) {
        JsonNode node = values;
        for (String part : dotted.split("\\.")) {
            node = node.path(part);
        }
        assertThat(node.isMissingNode()).as(dotted).isFalse();
        return node;
    }

    /** The value of the one flag starting with {@code prefix} ({@code -Xss256k}, {@code -XX:MaxMetaspaceSize=48m}). */
    private static String flag(List<String> flags, String prefix) {
        List<String> found = new ArrayList<>();
        for (String f : flags) {
            if (f.startsWith(prefix)) {
                found.add(f.substring(prefix.length()));
            }
        }
        assertThat(found).as("exactly one explicit %s", prefix).hasSize(1);
        return found.get(0);
    }

    private static long size(List<String> flags, String prefix) {
        Matcher m = Pattern.compile("(\\d+)([kKmMgG])").matcher(flag(flags, prefix));
        assertThat(m.matches()).as("%s has a size with a unit", prefix).isTrue();
        long unit = switch (Character.toLowerCase(m.group(2).charAt(0))) {
            case 'k' -> 1024;
            case 'm' -> MIB;
            default -> 1024 * MIB;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    private static double percentage(List<String> flags, String prefix) {
        return Double.parseDouble(flag(flags, prefix));
    }

    /** A Kubernetes memory quantity in Mi or Gi. */
    private static long quantity(String value) {
        Matcher m = Pattern.compile("(\\d+)(Mi|Gi)").matcher(value);
        assertThat(m.matches()).as("memory limit %s in Mi or Gi", value).isTrue();
        return Long.parseLong(m.group(1)) * (m.group(2).equals("Gi") ? 1024 * MIB : MIB);
    }
}
