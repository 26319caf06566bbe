package dev.nexus.policy.validate;

import dev.nexus.policy.model.SourceLocation;

/**
 * One problem found in a policy, pointing at the exact place:
 * {@code policy.yaml:12:7: routes[2].match.hosts[0]: invalid CIDR "10.0.0.0/33" (prefix must be 0-32)}.
 *
 * @param path the field path, e.g. {@code routes[2].match.hosts[0]}; empty for the whole file
 */
public record Diagnostic(Severity severity, SourceLocation location, String path, String message) {

    public enum Severity { ERROR, WARNING }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        String where = path.isEmpty() ? location + ": " : location + ": " + path + ": ";
        return where + (severity == Severity.WARNING ? "warning: " : "") + message;
    }
}
