package dev.nexus.server;

import dev.nexus.server.cli.CliContext;
import dev.nexus.server.cli.NexusCli;

import dev.nexus.server.runtime.DataPlaneRuntime;
import java.util.List;

/** Entry point of {@code nexus-proxy}: builds the command line and exits with its code. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Logging.configure();
        System.exit(commandLine().execute(CliContext.system(), args));
    }

    /** Every command of this build; the data plane's runtime factory plugs in here. */
    static NexusCli commandLine() {
        return new NexusCli(List.of(new RunCommand(DataPlaneRuntime::new)));
    }
}
