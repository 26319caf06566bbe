package dev.nexus.server;

import dev.nexus.server.cli.Arguments;
import dev.nexus.server.cli.CliContext;
import dev.nexus.server.cli.Command;
import dev.nexus.server.cli.ExitCodes;
import dev.nexus.server.cli.UsageException;
import dev.nexus.server.config.ConfigException;
import dev.nexus.server.config.ConfigLoader;
import dev.nexus.server.config.ConfigPrinter;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.runtime.ProxyRuntimeFactory;
import dev.nexus.server.runtime.StartupException;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * {@code nexus-proxy [run] [--config FILE]}: loads the configuration (embedded defaults without
 * {@code --config}), starts the {@link NexusServer}, and blocks until SIGTERM/SIGINT has drained and
 * stopped it. SIGHUP asks the data plane to reload.
 */
public final class RunCommand implements Command {

    private static final Logger LOG = Logger.getLogger(RunCommand.class.getName());

    private final ProxyRuntimeFactory runtimeFactory;

    public RunCommand(ProxyRuntimeFactory runtimeFactory) {
        this.runtimeFactory = runtimeFactory;
    }

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String synopsis() {
        return "[--config FILE]";
    }

    @Override
    public String description() {
        return "Run the proxy (the default command), configured by FILE or else by the embedded defaults";
    }

    @Override
    public int run(List<String> args, CliContext context) throws UsageException {
        Arguments arguments = Arguments.parse("run", args, Set.of("--config"), Set.of());
        arguments.positionals();
        Optional<Path> file = arguments.value("--config").map(Path::of);

        NexusConfig config;
        try {
            config = file.isPresent() ? new ConfigLoader(context.environment()).load(file.get()) : NexusConfig.defaults();
        } catch (ConfigException e) {
            context.err().println("nexus-proxy: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        LOG.info(() -> "effective configuration (" + file.map(f -> "from " + f).orElse("embedded defaults")
                + ", features in use, secrets redacted):\n" + ConfigPrinter.inUse(config));

        // The hook is registered before starting, so a SIGTERM that arrives during startup cannot find
        // the JVM exiting without it; until the server exists there is nothing to drain.
        AtomicReference<NexusServer> running = new AtomicReference<>();
        Logging.holdUntilShutdownComplete();
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                NexusServer started = running.get();
                if (started != null) {
                    started.shutdown();
                }
                Logging.shutdownComplete();
            }, "nexus-shutdown"));
        } catch (IllegalStateException alreadyExiting) {
            return ExitCodes.FAILURE;
        }

        NexusServer server;
        try {
            server = NexusServer.start(config, runtimeFactory);
        } catch (StartupException e) {
            context.err().println("nexus-proxy: " + e.getMessage());
            return e.isConfigurationError() ? ExitCodes.USAGE : ExitCodes.FAILURE;
        }
        running.set(server);
        HangupSignal.install(server::reload);
        server.awaitTermination();
        return ExitCodes.OK;
    }
}
