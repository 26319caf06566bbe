package dev.nexus.server.cli;

import dev.nexus.server.config.NexusConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The command line of {@code nexus-proxy ca init [--dir D] [--force]} and
 * {@code nexus-proxy ca export [--dir D]}; the TLS module does the work through {@link Actions}.
 * {@code --dir} defaults to the configuration's default CA directory ({@code ./nexus-ca}).
 */
public final class CaCommandLine {

    /** What the TLS module provides; each returns an {@link ExitCodes exit code}. */
    public interface Actions {
        /** Creates a CA in {@code dir}; refuses to overwrite an existing one unless {@code force}. */
        int init(Path dir, boolean force, CliContext context);

        /** Prints the CA certificate(s) as PEM on standard output, for agents to trust. */
        int export(Path dir, CliContext context);
    }

    private CaCommandLine() {
    }

    public static Command group(Actions actions) {
        Path defaultDir = NexusConfig.Tls.DEFAULT.caDir();
        Command init = new SimpleCommand("init", "[--dir D] [--force]",
                "Create the proxy's CA in D (default ./" + defaultDir + "); --force replaces an existing one", (args, context) -> {
            Arguments parsed = Arguments.parse("ca init", args, Set.of("--dir"), Set.of("--force"));
            parsed.positionals();
            return actions.init(parsed.value("--dir").map(Path::of).orElse(defaultDir), parsed.flag("--force"), context);
        });
        Command export = new SimpleCommand("export", "[--dir D]",
                "Print the CA certificate(s) as PEM, for agents to trust", (args, context) -> {
            Arguments parsed = Arguments.parse("ca export", args, Set.of("--dir"), Set.of());
            parsed.positionals();
            return actions.export(parsed.value("--dir").map(Path::of).orElse(defaultDir), context);
        });
        return new CommandGroup("ca", "Manage the CA used for TLS interception", List.of(init, export));
    }
}
