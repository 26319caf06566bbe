package dev.nexus.policy.validate;

import dev.nexus.policy.model.SourceLocation;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem instead of stopping at the first, so one run shows the whole list. */
public final class Diagnostics {

    private final List<Diagnostic> all = new ArrayList<>();

    public void error(SourceLocation location, String path, String message) {
        all.add(new Diagnostic(Diagnostic.Severity.ERROR, location, path, message));
    }

    public void warning(SourceLocation location, String path, String message) {
        all.add(new Diagnostic(Diagnostic.Severity.WARNING, location, path, message));
    }

    public void addAll(List<Diagnostic> diagnostics) {
        all.addAll(diagnostics);
    }

    public boolean hasErrors() {
        return all.stream().anyMatch(Diagnostic::isError);
    }

    public List<Diagnostic> list() {
        return List.copyOf(all);
    }
}
