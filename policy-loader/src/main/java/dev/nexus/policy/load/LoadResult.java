package dev.nexus.policy.load;

import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.validate.Diagnostic;

import java.util.List;

/**
 * The outcome of loading a policy: the compiled policy when there were no errors, and every
 * error and warning.
 *
 * @param policy      {@code null} when any error was found (nothing is half-applied)
 * @param routeCount  routes read (also when invalid)
 * @param contentHash SHA-256 hex of the files read, {@code null} when they could not be read
 */
public record LoadResult(CompiledPolicy policy, int routeCount, List<String> files, String contentHash,
                         List<Diagnostic> diagnostics) {

    public LoadResult {
        files = List.copyOf(files);
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
        return policy != null;
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    public List<Diagnostic> warnings() {
        return diagnostics.stream().filter(d -> !d.isError()).toList();
    }
}
