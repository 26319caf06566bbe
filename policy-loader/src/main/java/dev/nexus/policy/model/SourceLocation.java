package dev.nexus.policy.model;

/** Where something was written: file as given to the loader, 1-based line and column. */
public record SourceLocation(String file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
