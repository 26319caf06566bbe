package dev.nexus.server.cli;

import java.util.List;

/** A leaf command from its name, usage text and a body, for commands defined as small lambdas. */
public record SimpleCommand(String name, String synopsis, String description, Body body) implements Command {

    @FunctionalInterface
    public interface Body {
        int run(List<String> args, CliContext context) throws UsageException;
    }

    @Override
    public int run(List<String> args, CliContext context) throws UsageException {
        return body.run(args, context);
    }
}
