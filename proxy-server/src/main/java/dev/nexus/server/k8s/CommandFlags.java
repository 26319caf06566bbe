package dev.nexus.server.k8s;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The flags of one Kubernetes-related subcommand, parsed from {@code --name value}, {@code --name=value}
 * and bare boolean {@code --name} forms. Unknown flags and missing values are usage errors that name the
 * flag, so the CLI can print them and exit 2 without a stack trace.
 */
public final class CommandFlags {

    private final Map<String, List<String>> values;

    private CommandFlags(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * @param args          the arguments after the subcommand name
     * @param valueFlags    flags that take a value (may repeat)
     * @param booleanFlags  flags that take none
     */
    public static CommandFlags parse(String[] args, Set<String> valueFlags, Set<String> booleanFlags) {
        Map<String, List<String>> parsed = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (booleanFlags.contains(name)) {
                if (inline != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                parsed.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (valueFlags.contains(name)) {
                String value = inline;
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                parsed.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
        return new CommandFlags(parsed);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The last value given for the flag, or {@code fallback}. */
    public String value(String name, String fallback) {
        List<String> list = values.get(name);
        return list == null ? fallback : list.get(list.size() - 1);
    }

    /** Every value given for the flag, each split on commas, blanks dropped. */
    public List<String> commaList(String name) {
        List<String> out = new ArrayList<>();
        for (String v : values.getOrDefault(name, Collections.emptyList())) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out;
    }

    /** A TCP port or uid-like number in {@code [min, max]}; errors name the flag and the value. */
    public int intValue(String name, int fallback, int min, int max) {
        String raw = value(name, null);
        if (raw == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + raw);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + raw + "'");
        }
    }

    /** A command-line mistake; the message is meant for the user as is. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
