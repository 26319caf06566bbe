package dev.nexus.policy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path examplePolicy() throws IOException {
        Path file = dir.resolve("policy.yaml");
        try (var in = getClass().getResourceAsStream("/dev/nexus/policy/example-policy.yaml")) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    @Test
    void checkValidPolicyPrintsRouteCountAndExitsZero() throws IOException {
        Path file = examplePolicy();
        assertEquals(PolicyCli.OK, PolicyCli.check(file, out, err));
        assertTrue(out().startsWith(file + ": OK: 8 route(s) in 1 file(s), 0 warning(s), sha256 "), out());
        assertEquals("", err());
    }

    @Test
    void checkInvalidPolicyPrintsEveryErrorWithLocationAndExitsOne() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, """
                version: 1
                routes:
                  - name: a
                    match: {hosts: [a.com]}
                    action: inject
                  - name: a
                    match: {hosts: [a.com], paths: [x]}
                    action: allow
                """);
        assertEquals(PolicyCli.INVALID, PolicyCli.check(file, out, err));
        assertEquals(file + ":3:5: routes[0]: inject route \"a\" needs a connection (connection: <connection id>) or connection_choices the agent selects from\n"
                + file + ":6:11: routes[1].name: duplicate route name \"a\" (first defined at " + file + ":3:11)\n"
                + file + ":7:37: routes[1].match.paths[0]: invalid path glob \"x\" (must start with '/')\n"
                + file + ": invalid: 3 error(s), 0 warning(s)\n", err());
    }

    @Test
    void checkPrintsWarningsButStillPasses() throws IOException {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, "version: 1\nroutes:\n  - name: a\n    match: {hosts: [a.com]}\n    action: allow\n"
                + "  - name: b\n    match: {hosts: [a.com]}\n    action: deny\n");
        assertEquals(PolicyCli.OK, PolicyCli.check(file, out, err));
        assertTrue(out().startsWith(file + ":6:5: routes[1]: warning: route \"b\" is shadowed by route \"a\""), out());
    }

    @Test
    void checkMissingFileExitsOne() {
        assertEquals(PolicyCli.INVALID, PolicyCli.check(dir.resolve("missing.yaml"), out, err));
        assertTrue(err().contains("cannot read policy"), err());
    }

    @Test
    void explainPrintsDecisionPathAndDecision() throws IOException {
        Path file = examplePolicy();
        assertEquals(PolicyCli.OK, PolicyCli.explain(file, "billing-bot", "https://api.github.com/repos/x/y", out, err));
        assertEquals("""
                request: agent "billing-bot" GET https://api.github.com:443/repos/x/y
                candidates for exact host api.github.com:
                  route "github-admin-deny" (policy.yaml:15:5, deny, path /orgs/*/hooks specificity 12): no, path /repos/x/y does not match /orgs/*/hooks
                  route "github-admin-deny" (policy.yaml:15:5, deny, path /admin/** specificity 7): no, path /repos/x/y does not match /admin/**
                  route "github" (policy.yaml:23:5, inject): MATCH
                decision: inject connection "github-prod" (route "github" matched host api.github.com)
                what happens: TLS intercepted: the proxy terminates the agent's TLS with its CA, decides each request \
                inside on its own, and sends it to the origin over a new verified TLS connection with the credential added
                """.replace("policy.yaml", file.toString()), out());
    }

    @Test
    void explainDefaultDenyShowsTheMessage() throws IOException {
        Path file = examplePolicy();
        assertEquals(PolicyCli.OK, PolicyCli.explain(file, null, "http://unknown.example:8080/x?token=1", "post", out, err));
        assertTrue(out().contains("request: agent \"\" POST http://unknown.example:8080/x\n"), out());
        assertTrue(out().endsWith("decision: deny (no route matched, default deny)\n"
                + "what happens: refused with 403; nothing is sent to the destination\n"
                + "message to the agent: this destination is not in the egress policy; ask the platform team\n"), out());
    }

    @Test
    void explainRejectsANonHttpUrl() throws IOException {
        assertEquals(PolicyCli.INVALID, PolicyCli.explain(examplePolicy(), "a", "ftp://x/y", out, err));
        assertEquals("invalid URL \"ftp://x/y\" (expected http://host/path or https://host/path)\n", err());
    }

    @Test
    void urlParsing() {
        assertEquals(new dev.nexus.policy.match.PolicyRequest("a", "https", "[::1]", 8443, "GET", "/p"),
                PolicyCli.toRequest("a", "https://user@[::1]:8443/p", "GET"));
        assertEquals(new dev.nexus.policy.match.PolicyRequest("a", "http", "h", 80, "GET", "/?q"),
                PolicyCli.toRequest("a", "http://h?q", "GET"));
        assertEquals(new dev.nexus.policy.match.PolicyRequest("a", "https", "h", 443, "CONNECT", null),
                PolicyCli.toRequest("a", "https://h/x", "CONNECT"));
    }
}
