package dev.nexus.policy.cli;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.Explanation;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.policy.validate.Diagnostic;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code nexus-proxy policy check} and {@code policy explain}: the commands a platform engineer
 * runs before shipping a policy. Argument parsing stays with the caller (proxy-server's Main);
 * these methods print and return the process exit code.
 */
public final class PolicyCli {

    /** Exit code: the policy is valid (check) or the explanation was printed (explain). */
    public static final int OK = 0;
    /** Exit code: the policy is invalid, or the URL could not be read. */
    public static final int INVALID = 1;

    private PolicyCli() {
    }

    /** Checks a policy file or directory: prints warnings and errors with locations, then a summary. */
    public static int check(Path policy, PrintStream out, PrintStream err) {
        LoadResult result = PolicyLoader.load(policy);
        for (Diagnostic diagnostic : result.diagnostics()) {
            (diagnostic.isError() ? err : out).println(diagnostic);
        }
        if (!result.ok()) {
            err.println(policy + ": invalid: " + result.errors().size() + " error(s), "
                    + result.warnings().size() + " warning(s)");
            return INVALID;
        }
        out.println(policy + ": OK: " + result.routeCount() + " route(s) in " + result.files().size() + " file(s), "
                + result.warnings().size() + " warning(s), sha256 " + result.contentHash());
        return OK;
    }

    /** {@link #explain(Path, String, String, String, PrintStream, PrintStream)} with method GET. */
    public static int explain(Path policy, String agent, String url, PrintStream out, PrintStream err) {
        return explain(policy, agent, url, "GET", out, err);
    }

    /**
     * Prints how the policy decides a request for {@code url} (e.g. {@code https://api.github.com/repos/x/y})
     * by {@code agent}: every candidate considered and why it matched or not, then the decision.
     *
     * @param agent  the agent identity, or {@code null} for the anonymous agent
     * @param method the HTTP method, or {@code CONNECT} to explain the tunnel decision
     */
    public static int explain(Path policy, String agent, String url, String method, PrintStream out, PrintStream err) {
        LoadResult result = PolicyLoader.load(policy);
        if (!result.ok()) {
            result.errors().forEach(err::println);
            err.println(policy + ": invalid policy, nothing to explain");
            return INVALID;
        }
        PolicyRequest request;
        try {
            request = toRequest(agent, url, method == null ? "GET" : method.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return INVALID;
        }
        Explanation explanation = result.policy().explain(request);
        explanation.steps().forEach(out::println);
        Decision decision = explanation.decision();
        if (decision instanceof Decision.Deny deny && deny.message() != null) {
            out.println("message to the agent: " + deny.message());
        }
        return OK;
    }

    /** Splits an absolute http(s) URL into a policy request; the query and fragment are dropped. */
    static PolicyRequest toRequest(String agent, String url, String method) {
        int schemeEnd = url.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("invalid URL \"" + url + "\" (expected http://host/path or https://host/path)");
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = url.substring(authorityStart, authorityEnd);
        authority = authority.substring(authority.lastIndexOf('@') + 1);
        String host = authority;
        int port = scheme.equals("https") ? 443 : 80;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && colon > authority.lastIndexOf(']')) {
            host = authority.substring(0, colon);
            try {
                port = Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid port in URL \"" + url + "\"");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("invalid URL \"" + url + "\" (no host)");
        }
        String rest = url.substring(authorityEnd);
        String path = method.equals("CONNECT") ? null : rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
        return new PolicyRequest(agent == null ? "" : agent, scheme, host, port, method, path);
    }
}
