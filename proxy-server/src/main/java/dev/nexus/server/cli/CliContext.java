package dev.nexus.server.cli;

import java.io.PrintStream;
import java.util.function.Function;

/**
 * What a command may touch of its surroundings: standard output for results, standard error for
 * diagnostics, and the environment (for {@code ${VAR}} substitution). Passed in, so tests run the
 * real commands in-process and read what they print.
 */
public record CliContext(PrintStream out, PrintStream err, Function<String, String> environment) {

    public static CliContext system() {
        return new CliContext(System.out, System.err, System::getenv);
    }
}
