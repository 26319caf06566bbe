package dev.nexus.server.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code nexus-proxy} command line: picks the command from the first word ({@code run} when
 * there is none or the first argument is an option), answers {@code --help} and {@code --version},
 * and turns usage mistakes into a one-line message plus usage on standard error with exit code 2.
 *
 * <p>Commands are registered at construction, one line each:
 * <pre>{@code
 * new NexusCli(List.of(new RunCommand(runtimeFactory),
 *                      PolicyCommandLine.group(policyActions),
 *                      CaCommandLine.group(caActions)))
 * }</pre>
 */
public final class NexusCli {

    static final String PROGRAM = "nexus-proxy";
    private static final String DEFAULT_COMMAND = "run";

    private final Map<String, Command> commands = new LinkedHashMap<>();

    /** @param commands in the order usage lists them; one must be named {@code run} */
    public NexusCli(List<Command> commands) {
        for (Command command : commands) {
            if (this.commands.put(command.name(), command) != null) {
                throw new IllegalArgumentException("two commands named " + command.name());
            }
        }
        if (!this.commands.containsKey(DEFAULT_COMMAND)) {
            throw new IllegalArgumentException("the command line needs a '" + DEFAULT_COMMAND + "' command");
        }
    }

    /** Runs the command line and returns the process exit code; never throws for user mistakes. */
    public int execute(CliContext context, String... args) {
        List<String> arguments = Arrays.asList(args);
        if (!arguments.isEmpty() && isHelp(arguments.get(0))) {
            context.out().print(usage());
            return ExitCodes.OK;
        }
        if (!arguments.isEmpty() && (arguments.get(0).equals("--version") || arguments.get(0).equals("-V"))) {
            context.out().print(BuildInfo.load().describe());
            return ExitCodes.OK;
        }
        boolean explicitCommand = !arguments.isEmpty() && !arguments.get(0).startsWith("-");
        String name = explicitCommand ? arguments.get(0) : DEFAULT_COMMAND;
        List<String> rest = explicitCommand ? arguments.subList(1, arguments.size()) : arguments;
        Command command = commands.get(name);
        if (command == null) {
            return usageError(context, "unknown command '" + name + "'");
        }
        if (wantsHelp(rest)) {
            context.out().print(commandUsage(command, rest));
            return ExitCodes.OK;
        }
        try {
            return command.run(rest, context);
        } catch (UsageException e) {
            return usageError(context, e.getMessage());
        }
    }

    /** The full usage text, every command included. */
    public String usage() {
        StringBuilder out = new StringBuilder();
        out.append("Usage: ").append(PROGRAM).append(" [COMMAND] [OPTIONS]\n\n")
                .append("An egress proxy that lets AI agents call external APIs without holding secrets.\n\n")
                .append("Commands:\n");
        for (Command command : commands.values()) {
            for (String line : command.usageLines("  " + PROGRAM + " ")) {
                out.append(line).append('\n');
            }
        }
        out.append("\nOptions:\n")
                .append("  -h, --help       Show this help; '").append(PROGRAM).append(" COMMAND --help' shows one command\n")
                .append("  -V, --version    Show the version and build information\n\n")
                .append("'run' is the default command. Without --config the embedded defaults apply: the proxy\n")
                .append("listens on 127.0.0.1:3128 and the admin endpoints on 127.0.0.1:9090.\n");
        return out.toString();
    }

    private int usageError(CliContext context, String message) {
        context.err().println(PROGRAM + ": " + message);
        context.err().println();
        context.err().print(usage());
        return ExitCodes.USAGE;
    }

    /** Usage of the innermost command {@code args} name, e.g. {@code policy explain --help}. */
    private static String commandUsage(Command command, List<String> args) {
        Command target = command;
        List<String> path = new ArrayList<>(List.of(PROGRAM));
        for (String arg : args) {
            if (!(target instanceof CommandGroup group) || group.subcommand(arg) == null) {
                break;
            }
            path.add(target.name());
            target = group.subcommand(arg);
        }
        StringBuilder out = new StringBuilder("Usage:\n");
        for (String line : target.usageLines("  " + String.join(" ", path) + " ")) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static boolean wantsHelp(List<String> args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (isHelp(arg)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }
}
