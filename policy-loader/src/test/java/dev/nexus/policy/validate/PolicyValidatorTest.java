package dev.nexus.policy.validate;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.nexus.policy.Policies.assertOnlyDiagnostic;
import static dev.nexus.policy.Policies.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyValidatorTest {

    /** A one-route policy; {@code body} holds the route's lines after name, starting at line 4. */
    private static String route(String body) {
        return "version: 1\nroutes:\n  - name: r\n" + body;
    }

    static Stream<Arguments> valueErrors() {
        return Stream.of(
                Arguments.of("CIDR prefix too long", route("    match:\n      hosts: [10.0.0.0/33]\n    action: allow\n"),
                        "policy.yaml:5:15: routes[0].match.hosts[0]: invalid CIDR \"10.0.0.0/33\" (prefix must be 0-32)"),
                Arguments.of("IPv6 prefix too long", route("    match:\n      hosts: [\"fd00::/129\"]\n    action: allow\n"),
                        "policy.yaml:5:15: routes[0].match.hosts[0]: invalid CIDR \"fd00::/129\" (prefix must be 0-128)"),
                Arguments.of("CIDR host bits", route("    match:\n      hosts: [10.1.0.0/8]\n    action: allow\n"),
                        "policy.yaml:5:15: routes[0].match.hosts[0]: invalid CIDR \"10.1.0.0/8\" (host bits set; did you mean 10.0.0.0/8?)"),
                Arguments.of("wildcard in the middle", route("    match:\n      hosts: [\"api.*.com\"]\n    action: allow\n"),
                        "policy.yaml:5:15: routes[0].match.hosts[0]: invalid host pattern \"api.*.com\" ('*' is only allowed as the whole leftmost label, e.g. *.example.com)"),
                Arguments.of("port in host", route("    match:\n      hosts: [\"api.github.com:443\"]\n    action: allow\n"),
                        "policy.yaml:5:15: routes[0].match.hosts[0]: invalid host \"api.github.com:443\" (not a host name or IP address; ports belong in match.ports)"),
                Arguments.of("bad host character", route("    match:\n      hosts: [\"api github.com\"]\n    action: allow\n"),
                        "policy.yaml:5:15: routes[0].match.hosts[0]: invalid host name \"api github.com\" (character ' ' not allowed; use letters, digits, '-', '_' or an IDN name)"),
                Arguments.of("port out of range", route("    match:\n      hosts: [a.com]\n      ports: [0, 70000]\n    action: allow\n"),
                        "policy.yaml:6:15: routes[0].match.ports[0]: invalid port 0 (must be 1-65535)\n"
                                + "policy.yaml:6:18: routes[0].match.ports[1]: invalid port 70000 (must be 1-65535)"),
                Arguments.of("scheme", route("    match:\n      hosts: [a.com]\n      schemes: [ftp]\n    action: allow\n"),
                        "policy.yaml:6:17: routes[0].match.schemes[0]: invalid scheme \"ftp\" (expected http or https)"),
                Arguments.of("method", route("    match:\n      hosts: [a.com]\n      methods: [\"GET POST\"]\n    action: allow\n"),
                        "policy.yaml:6:17: routes[0].match.methods[0]: invalid method \"GET POST\" (e.g. GET or POST)"),
                Arguments.of("path glob", route("    match:\n      hosts: [a.com]\n      paths: [\"/a**\"]\n    action: allow\n"),
                        "policy.yaml:6:15: routes[0].match.paths[0]: invalid path glob \"/a**\" ('**' must be a whole segment, e.g. /repos/**)"),
                Arguments.of("path not normalised", route("    match:\n      hosts: [a.com]\n      paths: [\"/a/../b\"]\n    action: allow\n"),
                        "policy.yaml:6:15: routes[0].match.paths[0]: invalid path glob \"/a/../b\" (not normalised (no '//', '.' or '..' segments), did you mean \"/b\"?)"),
                Arguments.of("relative path", route("    match:\n      hosts: [a.com]\n      paths: [repos]\n    action: allow\n"),
                        "policy.yaml:6:15: routes[0].match.paths[0]: invalid path glob \"repos\" (must start with '/')"),
                Arguments.of("inject without connection", route("    match: {hosts: [a.com]}\n    action: inject\n"),
                        "policy.yaml:3:5: routes[0]: inject route \"r\" needs a connection (connection: <connection id>) or connection_choices the agent selects from"),
                Arguments.of("connection on allow", route("    match: {hosts: [a.com]}\n    action: allow\n    connection: c\n"),
                        "policy.yaml:6:17: routes[0].connection: connection is only allowed with action: inject (this route is allow)"),
                Arguments.of("message on allow", route("    match: {hosts: [a.com]}\n    action: allow\n    message: hi\n"),
                        "policy.yaml:6:14: routes[0].message: message is only allowed with action: deny (this route is allow)"),
                Arguments.of("unknown strategy type", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    strategy: {type: bearer}\n"),
                        "policy.yaml:7:22: routes[0].strategy.type: unknown strategy type \"bearer\" (expected one of header, query_param, basic_auth, hmac_payload, aws_sigv4, oauth2, path)"),
                Arguments.of("strategy missing param_name", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    strategy:\n      type: query_param\n      config: {credential_field: key}\n"),
                        "policy.yaml:9:15: routes[0].strategy.config: strategy query_param requires config key \"param_name\""),
                Arguments.of("strategy missing service", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    strategy: {type: aws_sigv4}\n"),
                        "policy.yaml:7:15: routes[0].strategy: strategy aws_sigv4 requires config key \"service\""),
                Arguments.of("strategy missing header_name", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    strategy: {type: hmac_payload, config: {algo: sha1}}\n"),
                        "policy.yaml:7:44: routes[0].strategy.config: strategy hmac_payload requires config key \"header_name\""),
                Arguments.of("strategy unknown key", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    strategy: {type: header, config: {header: X-Key}}\n"),
                        "policy.yaml:7:39: routes[0].strategy.config.header: unknown config key \"header\" for strategy header (allowed: credential_field, header_name, value_prefix)"),
                Arguments.of("unsigned payload on header strategy", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    strategy: {type: header}\n    unsigned_payload: true\n"),
                        "policy.yaml:8:23: routes[0].unsigned_payload: unsigned_payload only applies to the aws_sigv4 strategy, not header"),
                Arguments.of("unknown redact_responses", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    redact_responses: body\n"),
                        "policy.yaml:7:23: routes[0].redact_responses: invalid value \"body\" (expected full, headers or off)"),
                Arguments.of("redact_responses on allow", route("    match: {hosts: [a.com]}\n    action: allow\n    redact_responses: headers\n"),
                        "policy.yaml:6:23: routes[0].redact_responses: redact_responses is only allowed with action: inject (this route is allow)"),
                Arguments.of("inject without interception", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    intercept_tls: false\n"),
                        "policy.yaml:7:20: routes[0].intercept_tls: an inject route that can match https needs intercept_tls: true (credentials cannot be added to a tunnel the proxy does not decrypt)"),
                Arguments.of("bad allow_private_cidrs", route("    match: {hosts: [a.com]}\n    action: allow\n    allow_private_cidrs: [10.0.0.300/8]\n"),
                        "policy.yaml:6:27: routes[0].allow_private_cidrs[0]: invalid CIDR \"10.0.0.300/8\" (\"10.0.0.300\" is not an IPv4 or IPv6 address)"),
                Arguments.of("bad agent", route("    match: {hosts: [a.com], agents: [\"\"]}\n    action: allow\n"),
                        "policy.yaml:4:38: routes[0].match.agents[0]: agent pattern must not be empty (use \"*\" for every agent)"),
                Arguments.of("on_credential_expiry value", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    on_credential_expiry: drop\n"),
                        "policy.yaml:7:27: routes[0].on_credential_expiry: invalid value \"drop\" (expected keep or close)"),
                Arguments.of("max_stream_lifetime on allow", route("    match: {hosts: [a.com]}\n    action: allow\n    max_stream_lifetime: 1h\n"),
                        "policy.yaml:6:26: routes[0].max_stream_lifetime: max_stream_lifetime is only allowed with action: inject (this route is allow)"),
                Arguments.of("negative replay_buffer_bytes", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    replay_buffer_bytes: -1\n"),
                        "policy.yaml:7:26: routes[0].replay_buffer_bytes: must be 0 (no replay copy) or a positive number of bytes, got -1"),
                Arguments.of("replay_buffer_bytes on allow", route("    match: {hosts: [a.com]}\n    action: allow\n    replay_buffer_bytes: 10\n"),
                        "policy.yaml:6:26: routes[0].replay_buffer_bytes: replay_buffer_bytes is only allowed with action: inject (this route is allow)"),
                Arguments.of("max_tunnel_lifetime on inject", route("    match: {hosts: [a.com]}\n    action: inject\n    connection: c\n    max_tunnel_lifetime: 1h\n"),
                        "policy.yaml:7:26: routes[0].max_tunnel_lifetime: max_tunnel_lifetime is only allowed with action: allow (this route is inject)"),
                Arguments.of("bad route name", "version: 1\nroutes:\n  - name: \"my route\"\n    match: {hosts: [a.com]}\n    action: allow\n",
                        "policy.yaml:3:11: routes[0].name: invalid route name \"my route\" (1-64 characters: letters, digits, '.', '_', '-', starting with a letter or digit)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueErrors")
    void valueErrorsNameFileLineColumnAndField(String name, String yaml, String expected) {
        assertEquals(List.of(expected.split("\n")), load(yaml).diagnostics().stream().map(Diagnostic::toString).toList());
        assertNull(load(yaml).policy(), "an invalid policy is never compiled");
    }

    @Test
    void duplicateRouteNamesAcrossFilesOfADirectory() {
        LoadResult result = PolicyLoader.load(List.of(
                new SourceFile("policies/a.yaml", "version: 1\nroutes:\n  - name: github\n    match: {hosts: [a.com]}\n    action: allow\n"),
                new SourceFile("policies/b.yaml", "version: 1\nroutes:\n  - name: other\n    match: {hosts: [b.com]}\n    action: allow\n"
                        + "  - name: github\n    match: {hosts: [c.com]}\n    action: allow\n")));
        assertEquals(List.of("policies/b.yaml:6:11: routes[1].name: duplicate route name \"github\" (first defined at policies/a.yaml:3:11)"),
                result.diagnostics().stream().map(Diagnostic::toString).toList());
        assertNull(result.policy());
    }

    @Test
    void defaultsSetInTwoFilesIsAnError() {
        LoadResult result = PolicyLoader.load(List.of(
                new SourceFile("a.yaml", "version: 1\ndefaults: {action: deny}\n"),
                new SourceFile("b.yaml", "version: 1\ndefaults:\n  action: allow\n")));
        assertEquals(List.of("b.yaml:3:3: defaults: defaults already set at a.yaml:2:11; set defaults in one file only"),
                result.diagnostics().stream().map(Diagnostic::toString).toList());
    }

    @Test
    void shadowedRouteIsAWarningNotAnError() {
        LoadResult result = load("""
                version: 1
                routes:
                  - name: all-github
                    match: {hosts: [api.github.com, github.com]}
                    action: allow
                  - name: api-github
                    match: {hosts: [api.github.com], schemes: [https]}
                    action: deny
                  - name: api-github-paths
                    match: {hosts: [api.github.com], paths: [/repos]}
                    action: deny
                """);
        assertEquals(List.of("policy.yaml:6:5: routes[1]: warning: route \"api-github\" is shadowed by route \"all-github\""
                        + " (policy.yaml:3:5) and never matches"),
                result.diagnostics().stream().map(Diagnostic::toString).toList());
        assertNotNull(result.policy(), "warnings do not stop the policy from loading");
    }

    @Test
    void moreSpecificHostIsNotShadowed() {
        assertOnlyDiagnosticFree("""
                version: 1
                routes:
                  - name: wildcard
                    match: {hosts: ["*.github.com"]}
                    action: deny
                  - name: exact
                    match: {hosts: [api.github.com]}
                    action: allow
                """);
    }

    @Test
    void protocol04PathStrategyIsAccepted() {
        assertOnlyDiagnosticFree("""
                version: 1
                routes:
                  - name: telegram
                    match: {hosts: [api.telegram.org], paths: ["/bot{api_key}/*"]}
                    action: inject
                    connection: telegram-bot
                    strategy: {type: path}
                """);
    }

    private static void assertOnlyDiagnosticFree(String yaml) {
        assertTrue(load(yaml).diagnostics().isEmpty(), () -> load(yaml).diagnostics().toString());
    }

    @Test
    void unknownKeyAndBadValueInTheSameRouteAreBothReported() {
        assertEquals(List.of(
                "policy.yaml:4:45: routes[0].match.hots: unknown key \"hots\" (allowed: hosts, ports, schemes, methods, paths, paths_ignore_case, agents)",
                "policy.yaml:4:37: routes[0].match.ports[0]: invalid port 99999 (must be 1-65535)"),
                load(route("    match: {hosts: [a.com], ports: [99999], hots: []}\n    action: allow\n"))
                        .diagnostics().stream().map(Diagnostic::toString).toList());
        assertOnlyDiagnostic(route("    match: {hosts: [a.com]}\n    action: deny\n    timeout: 3s\n"),
                "policy.yaml:6:14: routes[0].timeout: timeout is only allowed with action: inject or allow (this route is deny)");
    }
}
