package dev.nexus.server.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;

/**
 * Every problem found while binding one configuration document, so the operator sees all of them at
 * once instead of fixing one per start. Each problem names the file, the line (when the key is in the
 * file) and the field: {@code config.yaml:7: listen.port: must be 0-65535, got 70000}; they are listed in
 * the order of their lines.
 */
final class ConfigProblems {

    private final String source;
    private final YamlLines lines;
    private final List<Problem> problems = new ArrayList<>();

    /** One problem: its line ({@link Integer#MAX_VALUE} when the field is not in the file) and message. */
    private record Problem(int line, String message) {
    }

    ConfigProblems(String source, YamlLines lines) {
        this.source = source;
        this.lines = lines;
    }

    /** The one-line description of a problem with {@code fieldPath}. */
    ConfigException error(String fieldPath, String problem) {
        OptionalInt line = lines.lineOf(fieldPath);
        String where = line.isPresent() ? source + ":" + line.getAsInt() : source;
        return new ConfigException(where + ": " + fieldPath + ": " + problem, line.orElse(0));
    }

    void add(ConfigException problem) {
        problems.add(new Problem(problem.line() > 0 ? problem.line() : Integer.MAX_VALUE, problem.getMessage()));
    }

    /** A binding step that reports its first problem by throwing. */
    interface Step<T> {
        T bind() throws ConfigException;
    }

    /**
     * Runs {@code step}; a problem it throws is recorded and {@code fallback} returned so binding goes on.
     * A problem thrown after field problems were recorded during the step is dropped: it is a rule across
     * fields (e.g. "required when") judged on values that already failed, so it would only repeat them.
     */
    <T> T attempt(Step<T> step, T fallback) {
        int before = problems.size();
        try {
            return step.bind();
        } catch (ConfigException e) {
            if (problems.size() == before) {
                add(e);
            }
            return fallback;
        }
    }

    /** Throws one exception listing every problem, one per line; returns when there was none. */
    void throwIfAny() throws ConfigException {
        if (problems.size() == 1) {
            throw new ConfigException(problems.get(0).message());
        }
        if (!problems.isEmpty()) {
            List<String> inFileOrder = problems.stream().sorted(Comparator.comparingInt(Problem::line))
                    .map(Problem::message).toList();
            throw new ConfigException(source + ": " + problems.size() + " problems:\n  " + String.join("\n  ", inFileOrder));
        }
    }
}
