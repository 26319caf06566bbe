package dev.nexus.policy.validate;

import dev.nexus.policy.match.CompiledPolicy;
import dev.nexus.policy.match.ConnectionChoices;
import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;
import dev.nexus.policy.pattern.ConnectionPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.nexus.policy.Policies.compile;
import static dev.nexus.policy.Policies.diagnostics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code connection_choices} and {@code connection_header}: parsing, validation, compilation and explain. */
class ConnectionChoicesPolicyTest {

    private static String route(String body) {
        return "version: 1\nroutes:\n  - name: r\n    match: {hosts: [slack.com]}\n" + body;
    }

    private static Decision.Inject decide(CompiledPolicy policy) {
        return assertInstanceOf(Decision.Inject.class,
                policy.decide(new PolicyRequest("support-bot", "https", "slack.com", 443, "GET", "/api")));
    }

    @Test
    void choicesCompileIntoTheInjectDecisionWithTheDefaultHeader() {
        Decision.Inject inject = decide(compile(route("    action: inject\n    connection_choices: [\"slack-user-*\", slack-team]\n")));

        assertNull(inject.connectionId(), "no default: the agent must choose");
        assertEquals(ConnectionChoices.DEFAULT_HEADER, inject.connectionChoices().header());
        assertEquals(List.of("slack-user-*", "slack-team"),
                inject.connectionChoices().patterns().stream().map(ConnectionPattern::source).toList());
        assertTrue(inject.connectionChoices().permits("slack-user-alice"));
        assertTrue(inject.connectionChoices().permits("slack-team"));
        assertFalse(inject.connectionChoices().permits("slack-team-2"));
        assertFalse(inject.connectionChoices().permits("github-prod"));
    }

    @Test
    void aDefaultConnectionAndACustomHeaderAreKept() {
        Decision.Inject inject = decide(compile(route("    action: inject\n    connection: slack-shared\n"
                + "    connection_choices: [\"slack-user-*\"]\n    connection_header: X-On-Behalf-Of\n")));

        assertEquals("slack-shared", inject.connectionId());
        assertEquals("X-On-Behalf-Of", inject.connectionChoices().header());
        assertEquals("slack-user-bob", inject.withConnection("slack-user-bob").connectionId());
        assertEquals(inject.connectionChoices(), inject.withConnection("slack-user-bob").connectionChoices());
    }

    @Test
    void routesWithoutChoicesOfferNone() {
        Decision.Inject inject = decide(compile(route("    action: inject\n    connection: slack-shared\n")));

        assertEquals(ConnectionChoices.NONE, inject.connectionChoices());
        assertFalse(inject.connectionChoices().offered());
    }

    @Test
    void explainNamesTheChoices() {
        CompiledPolicy policy = compile(route("    action: inject\n    connection_choices: [\"slack-user-*\"]\n"));

        String explained = policy.explain(new PolicyRequest("support-bot", "https", "slack.com", 443, "GET", "/")).toString();

        assertTrue(explained.contains("inject a connection the agent names in Nexus-Connection matching [slack-user-*]"), explained);
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("choices on allow", route("    action: allow\n    connection_choices: [c]\n"),
                        "policy.yaml:6:25: routes[0].connection_choices: connection_choices is only allowed with action: inject (this route is allow)"),
                Arguments.of("empty pattern", route("    action: inject\n    connection_choices: [\"\", c]\n"),
                        "policy.yaml:6:26: routes[0].connection_choices[0]: connection pattern must not be empty"),
                Arguments.of("whitespace in pattern", route("    action: inject\n    connection_choices: [\"a b\"]\n"),
                        "policy.yaml:6:26: routes[0].connection_choices[0]: invalid connection pattern \"a b\" (no whitespace or control characters)"),
                Arguments.of("header without choices", route("    action: inject\n    connection: c\n    connection_header: X-Conn\n"),
                        "policy.yaml:7:24: routes[0].connection_header: connection_header is only allowed with connection_choices"),
                Arguments.of("bad header name", route("    action: inject\n    connection_choices: [c]\n    connection_header: \"X Conn\"\n"),
                        "policy.yaml:7:24: routes[0].connection_header: invalid header name \"X Conn\" (e.g. Nexus-Connection)"),
                Arguments.of("choices not a list", route("    action: inject\n    connection_choices: c\n"),
                        "policy.yaml:6:25: routes[0].connection_choices: expected a list, got a string"),
                Arguments.of("empty choices list", route("    action: inject\n    connection_choices: []\n"),
                        "policy.yaml:6:25: routes[0].connection_choices: must not be empty (leave the key out instead)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void mistakesNameFileLineColumnAndField(String name, String yaml, String expected) {
        List<String> found = diagnostics(yaml);
        assertTrue(found.contains(expected), () -> "expected " + expected + " in " + found);
    }
}
