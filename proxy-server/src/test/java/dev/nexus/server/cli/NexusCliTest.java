package dev.nexus.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line in-process: exit codes, what goes to stdout and stderr, dispatch to subcommands. */
class NexusCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CliContext context = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), Map.<String, String>of()::get);
    private final List<String> calls = new ArrayList<>();

    /** A CLI with recording policy/ca actions and a run command that records its arguments. */
    private final NexusCli cli = new NexusCli(List.of(
            new SimpleCommand("run", "[--config FILE]", "Run the proxy", (args, ctx) -> {
                Arguments parsed = Arguments.parse("run", args, java.util.Set.of("--config"), java.util.Set.of());
                parsed.positionals();
                calls.add("run " + parsed.value("--config").orElse("<defaults>"));
                return ExitCodes.OK;
            }),
            PolicyCommandLine.group(new PolicyCommandLine.Actions() {
                @Override
                public int check(Path policy, CliContext ctx) {
                    calls.add("check " + policy);
                    return ExitCodes.FAILURE;
                }

                @Override
                public int explain(Path policy, URI url, Optional<String> agent, String method, CliContext ctx) {
                    calls.add("explain " + policy + " " + url + " " + agent.orElse("-") + " " + method);
                    return ExitCodes.OK;
                }
            }),
            CaCommandLine.group(new CaCommandLine.Actions() {
                @Override
                public int init(Path dir, boolean force, CliContext ctx) {
                    calls.add("init " + dir + " " + force);
                    return ExitCodes.OK;
                }

                @Override
                public int export(Path dir, CliContext ctx) {
                    calls.add("export " + dir);
                    return ExitCodes.OK;
                }
            })));

    private int run(String... args) {
        return cli.execute(context, args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommandOnStdout() {
        assertEquals(0, run("--help"));

        String usage = out();
        assertTrue(usage.startsWith("Usage: nexus-proxy [COMMAND] [OPTIONS]\n"), usage);
        for (String line : List.of("nexus-proxy run [--config FILE]", "nexus-proxy policy check FILE",
                "nexus-proxy policy explain [--agent A] [--method M] FILE URL", "nexus-proxy ca init [--dir D] [--force]",
                "nexus-proxy ca export [--dir D]", "-V, --version")) {
            assertTrue(usage.contains(line), () -> line + " missing from\n" + usage);
        }
        assertEquals("", err());
        out.reset();
        assertEquals(0, run("-h"));
        assertEquals(usage, out());
    }

    @Test
    void commandHelpShowsJustThatCommand() {
        assertEquals(0, run("policy", "explain", "--help"));
        assertEquals("Usage:\n  nexus-proxy policy explain [--agent A] [--method M] FILE URL\n"
                + "      Show which route applies to a request to URL (method GET unless --method) and why\n", out());
        assertTrue(calls.isEmpty());
    }

    @Test
    void versionPrintsTheFilteredProjectVersion() {
        assertEquals(0, run("--version"));

        String version = out();
        assertTrue(version.startsWith("nexus-proxy 0.1.0-SNAPSHOT\nbuilt 20"), version);
        assertTrue(version.contains("Java " + System.getProperty("java.version")), version);
        assertTrue(version.contains("Netty 4.2."), version);
    }

    @Test
    void unknownCommandPrintsUsageToStderrWithExitCode2() {
        assertEquals(2, run("frobnicate"));

        assertEquals("", out());
        assertTrue(err().startsWith("nexus-proxy: unknown command 'frobnicate'\n\nUsage: nexus-proxy"), err());
    }

    @Test
    void unknownOptionsAndExtraArgumentsAreUsageErrors() {
        assertEquals(2, run("--frob"));
        assertTrue(err().startsWith("nexus-proxy: unknown option --frob for 'run'\n"), err());
        err.reset();
        assertEquals(2, run("run", "--config"));
        assertTrue(err().startsWith("nexus-proxy: option --config of 'run' needs a value\n"), err());
        err.reset();
        assertEquals(2, run("run", "extra"));
        assertTrue(err().startsWith("nexus-proxy: unexpected argument 'extra' for 'run'\n"), err());
        err.reset();
        assertEquals(2, run("policy"));
        assertTrue(err().startsWith("nexus-proxy: 'policy' needs a subcommand: check, explain\n"), err());
        err.reset();
        assertEquals(2, run("policy", "lint"));
        assertTrue(err().startsWith("nexus-proxy: unknown command 'policy lint'\n"), err());
        err.reset();
        assertEquals(2, run("policy", "explain", "p.yaml"));
        assertTrue(err().startsWith("nexus-proxy: 'policy explain' needs URL\n"), err());
        err.reset();
        assertEquals(2, run("policy", "explain", "p.yaml", "api.github.com/x"));
        assertTrue(err().startsWith("nexus-proxy: URL must be an absolute http:// or https:// URL, got 'api.github.com/x'\n"), err());
        assertTrue(calls.isEmpty(), calls.toString());
    }

    @Test
    void runIsTheDefaultCommand() {
        assertEquals(0, run());
        assertEquals(0, run("--config", "a.yaml"));
        assertEquals(0, run("run", "--config=b.yaml"));
        assertEquals(List.of("run <defaults>", "run a.yaml", "run b.yaml"), calls);
    }

    @Test
    void subcommandsReceiveParsedArguments() {
        assertEquals(1, run("policy", "check", "policy.d"));
        assertEquals(0, run("policy", "explain", "--agent", "billing-bot", "--method", "post", "p.yaml",
                "https://api.github.com/repos/x/y"));
        assertEquals(0, run("policy", "explain", "p.yaml", "http://example.com/"));
        assertEquals(0, run("ca", "init", "--force"));
        assertEquals(0, run("ca", "export", "--dir", "/etc/nexus/ca"));

        assertEquals(List.of("check policy.d", "explain p.yaml https://api.github.com/repos/x/y billing-bot POST",
                "explain p.yaml http://example.com/ - GET", "init nexus-ca true", "export /etc/nexus/ca"), calls);
    }

    @Test
    void invalidConfigurationIsOneLineOnStderrWithExitCode2(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "listen:\n  port: 70000\n");
        NexusCli standard = dev.nexus.server.MainAccess.commandLine();

        assertEquals(2, standard.execute(context, "--config", config.toString()));

        assertEquals("nexus-proxy: " + config + ":2: listen.port: must be 0-65535, got 70000\n", err());
        assertFalse(err().contains("Exception"));
    }

    @Test
    void missingConfigurationFileIsAUsageError(@TempDir Path dir) {
        NexusCli standard = dev.nexus.server.MainAccess.commandLine();

        assertEquals(2, standard.execute(context, "run", "--config", dir.resolve("nope.yaml").toString()));
        assertEquals("nexus-proxy: " + dir.resolve("nope.yaml") + ": cannot read: no such file\n", err());
    }
}
