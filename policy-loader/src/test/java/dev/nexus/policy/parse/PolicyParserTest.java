package dev.nexus.policy.parse;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.model.ActionType;
import dev.nexus.policy.model.Route;
import dev.nexus.policy.validate.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static dev.nexus.policy.Policies.assertOnlyDiagnostic;
import static dev.nexus.policy.Policies.diagnostics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyParserTest {

    private static final String HEAD = "version: 1\nroutes:\n";

    @Test
    void readsEveryRouteField() {
        ParsedFile parsed = PolicyParser.parse("policy.yaml", HEAD + """
                  - name: s3
                    match:
                      hosts: ["*.s3.amazonaws.com"]
                      ports: [443, 8443]
                      schemes: [https]
                      methods: [PUT]
                      paths: ["/bucket/**"]
                      agents: ["spiffe://prod/*"]
                    action: inject
                    connection: aws
                    strategy: {type: aws_sigv4, config: {service: s3}}
                    intercept_tls: true
                    strip_request_headers: [X-Amz-Date]
                    timeout: 500ms
                    max_body_bytes: 1024
                    unsigned_payload: true
                    allow_private_cidrs: [10.0.0.0/8]
                """);
        assertEquals(List.of(), parsed.diagnostics());
        Route route = parsed.routes().get(0);
        assertEquals("s3", route.name());
        assertEquals(ActionType.INJECT, route.action());
        assertEquals(List.of(443, 8443), route.match().ports());
        assertEquals(List.of("/bucket/**"), route.match().paths());
        assertEquals("aws_sigv4", route.strategy().type());
        assertEquals("s3", route.strategy().config().get("service"));
        assertEquals(Duration.ofMillis(500), route.timeout());
        assertEquals(1024L, route.maxBodyBytes());
        assertTrue(route.unsignedPayload());
        assertEquals(List.of("10.0.0.0/8"), route.allowPrivateCidrs());
        assertEquals("policy.yaml:3:5", route.location().toString());
        assertEquals("policy.yaml:5:15", route.locationOf("match.hosts[0]").toString());
    }

    static Stream<Arguments> shapeErrors() {
        return Stream.of(
                Arguments.of("unknown top-level key", "version: 1\nroute: []\n",
                        "policy.yaml:2:1: route: unknown key \"route\" (allowed: version, defaults, routes)"),
                Arguments.of("unknown route key", HEAD + "  - name: a\n    match: {hosts: [a.com]}\n    action: allow\n    tiemout: 3s\n",
                        "policy.yaml:6:5: routes[0].tiemout: unknown key \"tiemout\" (allowed: name, match, action, connection, connection_choices, connection_header,"
                                + " strategy, message, intercept_tls, strip_request_headers, timeout, max_body_bytes,"
                                + " unsigned_payload, redact_responses, allow_private_cidrs, max_stream_lifetime, on_credential_expiry,"
                                + " max_tunnel_lifetime, replay_buffer_bytes)"),
                Arguments.of("unknown match key", HEAD + "  - name: a\n    match: {hosts: [a.com], host: b.com}\n    action: allow\n",
                        "policy.yaml:4:29: routes[0].match.host: unknown key \"host\" (allowed: hosts, ports, schemes, methods, paths, paths_ignore_case, agents)"),
                Arguments.of("missing version", "routes: []\n",
                        "policy.yaml:1:1: missing required key \"version\" (expected version: 1)"),
                Arguments.of("unsupported version", "version: 2\n",
                        "policy.yaml:1:10: version: unsupported version 2 (this proxy reads version: 1)"),
                Arguments.of("hosts not a list", HEAD + "  - name: a\n    match:\n      hosts: a.com\n    action: allow\n",
                        "policy.yaml:5:14: routes[0].match.hosts: expected a list, got a string"),
                Arguments.of("port not an integer", HEAD + "  - name: a\n    match:\n      hosts: [a.com]\n      ports: [\"443\"]\n    action: allow\n",
                        "policy.yaml:6:15: routes[0].match.ports[0]: expected an integer, got a string"),
                Arguments.of("missing action", HEAD + "  - name: a\n    match: {hosts: [a.com]}\n",
                        "policy.yaml:3:5: routes[0]: missing required key \"action\""),
                Arguments.of("invalid action", HEAD + "  - name: a\n    match: {hosts: [a.com]}\n    action: forward\n",
                        "policy.yaml:5:13: routes[0].action: invalid action \"forward\" (expected inject, allow or deny)"),
                Arguments.of("missing hosts", HEAD + "  - name: a\n    match: {ports: [80]}\n    action: allow\n",
                        "policy.yaml:4:12: routes[0].match: missing required key \"hosts\" (use [\"*\"] for every host)"),
                Arguments.of("bad timeout", HEAD + "  - name: a\n    match: {hosts: [a.com]}\n    action: allow\n    timeout: 30\n",
                        "policy.yaml:6:14: routes[0].timeout: expected a string, got a number"),
                Arguments.of("bad timeout unit", HEAD + "  - name: a\n    match: {hosts: [a.com]}\n    action: allow\n    timeout: 30 s\n",
                        "policy.yaml:6:14: routes[0].timeout: invalid duration \"30 s\" (expected a number and a unit ms, s, m or h, e.g. 30s or 500ms)"),
                Arguments.of("bad max_stream_lifetime", HEAD + "  - name: a\n    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    max_stream_lifetime: forever\n",
                        "policy.yaml:7:26: routes[0].max_stream_lifetime: invalid duration \"forever\" (expected a number and a unit ms, s, m or h, e.g. 30s or 500ms)"),
                Arguments.of("duplicate key", HEAD + "  - name: a\n    name: b\n    match: {hosts: [a.com]}\n    action: allow\n",
                        "policy.yaml:4:5: routes[0].name: duplicate key \"name\" (first defined at policy.yaml:3:5)"),
                Arguments.of("defaults cannot inject", "version: 1\ndefaults: {action: inject}\n",
                        "policy.yaml:2:20: defaults.action: invalid default action \"inject\" (expected allow or deny)"),
                Arguments.of("empty list", HEAD + "  - name: a\n    match: {hosts: []}\n    action: allow\n",
                        "policy.yaml:4:20: routes[0].match.hosts: must not be empty (leave the key out instead)"),
                Arguments.of("empty file", "",
                        "policy.yaml:1:1: file is empty; expected a policy document starting with version: 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeErrors")
    void shapeErrorsNameFileLineColumnAndField(String name, String yaml, String expected) {
        assertOnlyDiagnostic(yaml, expected);
    }

    @Test
    void yamlSyntaxErrorHasLocation() {
        List<String> diagnostics = diagnostics("version: 1\nroutes:\n  - name: [unclosed\n");
        assertEquals(1, diagnostics.size());
        assertTrue(diagnostics.get(0).startsWith("policy.yaml:3:20: syntax error: while parsing a flow sequence"), diagnostics.get(0));
    }

    @Test
    void jsonFilesAreReadAsJsonWithLocations() {
        LoadResult result = PolicyLoader.load(List.of(new SourceFile("team.json", """
                {"version": 1,
                 "routes": [
                   {"name": "a", "match": {"hosts": ["10.0.0.0/33"]}, "action": "allow"}
                 ]}
                """)));
        assertEquals(List.of("team.json:3:38: routes[0].match.hosts[0]: invalid CIDR \"10.0.0.0/33\" (prefix must be 0-32)"),
                result.diagnostics().stream().map(Diagnostic::toString).toList());
        assertNull(result.policy());
    }

    @Test
    void jsonSyntaxErrorHasLocation() {
        LoadResult result = PolicyLoader.load(List.of(new SourceFile("team.json", "{\"version\": 1,\n \"routes\": [}\n")));
        assertEquals(1, result.diagnostics().size());
        assertTrue(result.diagnostics().get(0).toString().startsWith("team.json:2:13: syntax error: "),
                result.diagnostics().get(0).toString());
    }

    @Test
    void collectsEveryErrorNotJustTheFirst() {
        List<String> diagnostics = diagnostics(HEAD + """
                  - name: a
                    match: {hosts: [a.com], bogus: 1}
                    action: allow
                  - name: b
                    match: {hosts: ["10.0.0.0/33"]}
                    action: inject
                """);
        assertEquals(List.of(
                "policy.yaml:4:29: routes[0].match.bogus: unknown key \"bogus\" (allowed: hosts, ports, schemes, methods, paths, paths_ignore_case, agents)",
                "policy.yaml:7:21: routes[1].match.hosts[0]: invalid CIDR \"10.0.0.0/33\" (prefix must be 0-32)",
                "policy.yaml:6:5: routes[1]: inject route \"b\" needs a connection (connection: <connection id>) or connection_choices the agent selects from"),
                diagnostics);
    }

    @Test
    void moreThanOneYamlDocumentIsRefused() {
        List<String> diagnostics = diagnostics("version: 1\n---\nversion: 1\n");
        assertEquals(1, diagnostics.size());
        assertTrue(diagnostics.get(0).contains("only one document per file is allowed"), diagnostics.get(0));
    }

    @Test
    void defaultsMayCarryADenyMessage() {
        ParsedFile parsed = PolicyParser.parse("p.yaml", "version: 1\ndefaults: {action: deny, message: ask ops}\n");
        assertEquals(List.of(), parsed.diagnostics());
        assertEquals("ask ops", parsed.defaults().message());
        assertFalse(parsed.defaults().action() == ActionType.ALLOW);
    }

    @Test
    void yamlLargerThanSnakeYamlsDefaultLimitLoads() {
        String filler = ("# " + "x".repeat(1022) + "\n").repeat(4 * 1024);
        ParsedFile parsed = PolicyParser.parse("big.yaml", filler + HEAD
                + "  - name: a\n    match: {hosts: [a.com]}\n    action: allow\n");
        assertEquals(List.of(), parsed.diagnostics());
        assertEquals(1, parsed.routes().size());
    }
}
