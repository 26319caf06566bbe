package dev.nexus.server.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command's parsed arguments: options with values ({@code --config FILE} or {@code --config=FILE}),
 * boolean flags ({@code --force}) and positionals, with {@code --} ending options. Anything not
 * declared is a {@link UsageException}.
 */
public final class Arguments {

    private final String command;
    private final Map<String, String> values;
    private final Set<String> flags;
    private final List<String> positionals;

    private Arguments(String command, Map<String, String> values, Set<String> flags, List<String> positionals) {
        this.command = command;
        this.values = values;
        this.flags = flags;
        this.positionals = positionals;
    }

    /**
     * @param command       the command's name as typed, for messages (e.g. {@code "policy explain"})
     * @param valueOptions  options that take a value, e.g. {@code --config}
     * @param flagOptions   options without a value, e.g. {@code --force}
     */
    public static Arguments parse(String command, List<String> args, Set<String> valueOptions, Set<String> flagOptions)
            throws UsageException {
        Map<String, String> values = new HashMap<>();
        Set<String> flags = new HashSet<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            int equals = arg.indexOf('=');
            String name = equals >= 0 ? arg.substring(0, equals) : arg;
            if (valueOptions.contains(name)) {
                String value;
                if (equals >= 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException("option " + name + " of '" + command + "' needs a value");
                }
                if (values.put(name, value) != null) {
                    throw new UsageException("option " + name + " of '" + command + "' given twice");
                }
            } else if (flagOptions.contains(name) && equals < 0) {
                flags.add(name);
            } else {
                throw new UsageException("unknown option " + name + " for '" + command + "'");
            }
        }
        return new Arguments(command, values, flags, positionals);
    }

    public Optional<String> value(String option) {
        return Optional.ofNullable(values.get(option));
    }

    public boolean flag(String option) {
        return flags.contains(option);
    }

    /** Checks that exactly the named positionals were given and returns them in order. */
    public List<String> positionals(String... names) throws UsageException {
        if (positionals.size() < names.length) {
            throw new UsageException("'" + command + "' needs " + names[positionals.size()]);
        }
        if (positionals.size() > names.length) {
            throw new UsageException("unexpected argument '" + positionals.get(names.length) + "' for '" + command + "'");
        }
        return List.copyOf(positionals);
    }
}
