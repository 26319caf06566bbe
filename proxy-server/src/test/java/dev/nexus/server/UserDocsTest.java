package dev.nexus.server;

import dev.nexus.proxy.exchange.ErrorCode;
import dev.nexus.server.cli.CliContext;
import dev.nexus.server.cli.ExitCodes;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documents a newcomer reads first stay true: their links lead to files of this repository, the
 * README's error table names every error the proxy answers with, and the policy CLI examples are
 * command lines the CLI accepts.
 */
class UserDocsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    private static List<Path> userDocs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("policy-loader/README.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(file -> file.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    @Test
    void everyLinkLeadsToAFileInsideTheRepository() throws Exception {
        for (Path doc : userDocs()) {
            Matcher links = LINK.matcher(Files.readString(doc));
            while (links.find()) {
                String link = links.group(1);
                String target = link.replaceFirst("#.*$", "");
                if (target.isEmpty()) {
                    continue; // an anchor in the same document
                }
                assertThat(link).as(ROOT.relativize(doc) + " links outside the repository").doesNotContain("://");
                Path resolved = doc.getParent().resolve(target).normalize();
                assertThat(resolved).as(ROOT.relativize(doc) + " -> " + link).startsWith(ROOT).exists();
            }
        }
        assertThat(Files.readString(ROOT.resolve("README.md"))).doesNotContain("../shared");
    }

    @Test
    void theReadmeErrorTableNamesEveryErrorCode() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String table = readme.substring(readme.indexOf("## What agents see when something is wrong"));
        List<String> codes = new ArrayList<>();
        for (ErrorCode code : ErrorCode.values()) {
            codes.add(code.code());
        }
        // Answered by the credential stage (InjectionFailures) rather than through ErrorCode.
        codes.addAll(List.of("malformed_request", "unsupported_request", "upstream_unauthorized",
                "credential_strategy_failed", "credential_failure"));
        for (String code : codes) {
            assertThat(table).as("README error table lists " + code).containsPattern("\\| \\d{3} \\| [^\\n]*`" + code + "`");
        }
    }

    @Test
    void thePolicyCliExamplesAreAcceptedAndMatchItsHelp() throws Exception {
        String readme = Files.readString(ROOT.resolve("policy-loader/README.md"));
        Result help = run("policy", "--help");
        assertThat(help.exitCode()).isZero();
        for (String synopsis : List.of("check FILE", "explain [--agent A] [--method M] FILE URL")) {
            assertThat(help.out()).contains(synopsis);
            assertThat(readme).contains("nexus-proxy policy " + synopsis);
        }

        Matcher examples = Pattern.compile("^\\$ nexus-proxy (policy .+)$", Pattern.MULTILINE).matcher(readme);
        int count = 0;
        while (examples.find()) {
            count++;
            // policy.yaml does not exist here: a well-formed command fails on the file (1), never on usage (2).
            Result result = run(examples.group(1).split(" "));
            assertThat(result.exitCode()).as(examples.group(1) + "\n" + result.err()).isNotEqualTo(ExitCodes.USAGE);
            assertThat(result.err()).as(examples.group(1)).doesNotContain("usage:");
        }
        assertThat(count).as("examples in policy-loader/README.md").isGreaterThanOrEqualTo(2);
    }

    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext context = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), name -> null);
        int exitCode = Main.commandLine().execute(context, args);
        return new Result(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
