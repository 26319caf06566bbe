package dev.nexus.server.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The command line of {@code nexus-proxy policy check FILE} and
 * {@code nexus-proxy policy explain [--agent A] [--method M] FILE URL}: parsing and usage live here,
 * the work is done by the policy module through {@link Actions}.
 */
public final class PolicyCommandLine {

    /** What the policy module provides; each returns an {@link ExitCodes exit code}. */
    public interface Actions {
        /** Validates the policy file or directory, printing findings. */
        int check(Path policy, CliContext context);

        /** Prints which route would decide a request to {@code url} and why. */
        int explain(Path policy, URI url, Optional<String> agent, String method, CliContext context);
    }

    private PolicyCommandLine() {
    }

    public static Command group(Actions actions) {
        Command check = new SimpleCommand("check", "FILE",
                "Validate a policy file or directory; exit 1 when it has errors", (args, context) -> {
            List<String> positionals = Arguments.parse("policy check", args, Set.of(), Set.of()).positionals("FILE");
            return actions.check(Path.of(positionals.get(0)), context);
        });
        Command explain = new SimpleCommand("explain", "[--agent A] [--method M] FILE URL",
                "Show which route applies to a request to URL (method GET unless --method) and why", (args, context) -> {
            Arguments parsed = Arguments.parse("policy explain", args, Set.of("--agent", "--method"), Set.of());
            List<String> positionals = parsed.positionals("FILE", "URL");
            String method = parsed.value("--method").orElse("GET").toUpperCase(Locale.ROOT);
            return actions.explain(Path.of(positionals.get(0)), absoluteUrl(positionals.get(1)), parsed.value("--agent"),
                    method, context);
        });
        return new CommandGroup("policy", "Check and explain routing policy", List.of(check, explain));
    }

    private static URI absoluteUrl(String text) throws UsageException {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new UsageException("URL must be an absolute http:// or https:// URL, got '" + text + "'");
    }
}
