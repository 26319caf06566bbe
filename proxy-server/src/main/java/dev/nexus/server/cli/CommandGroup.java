package dev.nexus.server.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A command made of subcommands, e.g. {@code policy check} and {@code policy explain}. */
public final class CommandGroup implements Command {

    private final String name;
    private final String description;
    private final Map<String, Command> subcommands = new LinkedHashMap<>();

    public CommandGroup(String name, String description, List<Command> subcommands) {
        this.name = name;
        this.description = description;
        for (Command command : subcommands) {
            this.subcommands.put(command.name(), command);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String synopsis() {
        return String.join("|", subcommands.keySet()) + " ...";
    }

    @Override
    public String description() {
        return description;
    }

    /** The subcommand called {@code word}, or {@code null}. */
    Command subcommand(String word) {
        return subcommands.get(word);
    }

    @Override
    public int run(List<String> args, CliContext context) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException("'" + name + "' needs a subcommand: " + String.join(", ", subcommands.keySet()));
        }
        Command command = subcommands.get(args.get(0));
        if (command == null) {
            throw new UsageException("unknown command '" + name + " " + args.get(0) + "'");
        }
        return command.run(args.subList(1, args.size()), context);
    }

    @Override
    public List<String> usageLines(String prefix) {
        List<String> lines = new ArrayList<>();
        for (Command command : subcommands.values()) {
            lines.addAll(command.usageLines(prefix + name + " "));
        }
        return lines;
    }
}
