package dev.nexus.server;

import dev.nexus.server.cli.NexusCli;

/** Lets tests in other packages run the production command line in-process. */
public final class MainAccess {

    private MainAccess() {
    }

    public static NexusCli commandLine() {
        return Main.commandLine();
    }
}
