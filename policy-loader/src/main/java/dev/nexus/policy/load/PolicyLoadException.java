package dev.nexus.policy.load;

import dev.nexus.policy.validate.Diagnostic;

import java.util.List;
import java.util.stream.Collectors;

/** A policy that could not be loaded; the message lists every error with its location. */
public final class PolicyLoadException extends Exception {

    private final List<Diagnostic> errors;

    public PolicyLoadException(List<Diagnostic> errors) {
        super("invalid policy:\n" + errors.stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<Diagnostic> errors() {
        return errors;
    }
}
