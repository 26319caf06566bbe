package dev.nexus.server.cli;

import java.util.List;

/**
 * One {@code nexus-proxy} subcommand. The dispatcher ({@link NexusCli}) handles {@code --help} for
 * every command from {@link #synopsis()} and {@link #description()}; the command parses the rest of
 * its arguments (usually with {@link Arguments}) and returns an {@link ExitCodes exit code}.
 */
public interface Command {

    /** The word that selects the command, e.g. {@code run}, or {@code check} inside {@code policy}. */
    String name();

    /** Arguments after the name, as shown in usage, e.g. {@code [--config FILE]}. */
    String synopsis();

    /** One line saying what the command does. */
    String description();

    /** Runs with the arguments after the command's name; throws {@link UsageException} for a wrong command line. */
    int run(List<String> args, CliContext context) throws UsageException;

    /** Usage lines for this command, each starting with {@code prefix} (e.g. {@code "nexus-proxy "}). */
    default List<String> usageLines(String prefix) {
        return List.of(prefix + name() + (synopsis().isEmpty() ? "" : " " + synopsis()) + "\n      " + description());
    }
}
