package dev.nexus.policy.parse;

import dev.nexus.policy.model.DefaultPolicy;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.validate.Diagnostic;

import java.util.List;

/**
 * One parsed policy file.
 *
 * @param defaults    the file's {@code defaults} block, or {@code null} when it has none
 * @param routes      the routes that could be read (routes with structural errors are left out)
 * @param diagnostics every problem found while reading the file
 */
public record ParsedFile(String file, DefaultPolicy defaults, List<Route> routes, List<Diagnostic> diagnostics) {

    public ParsedFile {
        routes = List.copyOf(routes);
        diagnostics = List.copyOf(diagnostics);
    }
}
