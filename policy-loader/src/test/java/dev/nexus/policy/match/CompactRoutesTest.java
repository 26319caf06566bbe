package dev.nexus.policy.match;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.nexus.policy.Policies.compile;
import static dev.nexus.policy.match.CompiledPolicyTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The cases the packed form of the routes ({@link HostTable}, {@link CompactRoutes}) must get right that
 * the object walk of {@code explain} got right by construction: hosts whose hashes collide, wildcard
 * suffixes with no route in between, port lists and method bits, and the conditions it leaves to a
 * full check on the route.
 */
class CompactRoutesTest {

    /** Decides {@code request} and checks that {@code explain} comes to the same decision. */
    private static String route(CompiledPolicy policy, PolicyRequest request) {
        Decision decision = policy.decide(request);
        assertSame(policy.explain(request).decision(), decision, () -> "decide and explain disagree on " + request);
        return decision.routeName();
    }

    private static String route(CompiledPolicy policy, String agent, String method, String url) {
        return route(policy, request(agent, method, url));
    }

    @Test
    void hostsWhoseHashesCollideAreToldApart() {
        assertEquals(HostTable.hash("na.example"), HostTable.hash("0c.example"));
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: na
                    match: {hosts: [na.example]}
                    action: allow
                  - name: under-na
                    match: {hosts: ["*.na.example"]}
                    action: allow
                """);
        assertEquals("na", route(policy, "", "GET", "https://na.example/"));
        assertNull(route(policy, "", "GET", "https://0c.example/"));
        assertEquals("under-na", route(policy, "", "GET", "https://x.na.example/"));
        assertNull(route(policy, "", "GET", "https://x.0c.example/"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "x.a.b.c.example, long",
            "y.x.a.b.c.example, long",
            "a.b.c.example, short",
            "x.b.c.example, short",
            "b.c.example, short",
            "c.example, ",
            "x.c.example, short",
            "x.d.example, ",
            "q.other.example, ",
    })
    void wildcardsWithNoRouteForTheSuffixesBetweenThem(String host, String expected) {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: long
                    match: {hosts: ["*.a.b.c.example"]}
                    action: allow
                  - name: short
                    match: {hosts: ["*.c.example"]}
                    action: allow
                """);
        assertEquals(expected, route(policy, "", "GET", "https://" + host + "/"));
    }

    private static final CompiledPolicy FULL_CHECKS = compile("""
            version: 1
            routes:
              - name: webdav
                match: {hosts: [a.com], methods: [PROPFIND, GET]}
                action: allow
              - name: two-ports
                match: {hosts: [a.com], ports: [8443, 9443]}
                action: allow
              - name: bot
                match: {hosts: [a.com], agents: ["bot-*"], paths: [/bot]}
                action: allow
              - name: any-case
                match: {hosts: [a.com], paths: [/Docs], paths_ignore_case: true}
                action: allow
              - name: any-case-below
                match: {hosts: [a.com], paths: ["/Files/**"], paths_ignore_case: true}
                action: allow
              - name: glob
                match: {hosts: [a.com], paths: ["/v*/items"]}
                action: allow
              - name: below
                match: {hosts: [a.com], paths: ["/x/**"]}
                action: allow
              - name: writes
                match: {hosts: [a.com], methods: [post]}
                action: deny
            """);

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
            "'', propfind, https://a.com/, webdav",
            "'', GET, https://a.com/, webdav",
            "'', PATCH, https://a.com/, ",
            "'', PATCH, https://a.com:9443/, two-ports",
            "'', PATCH, https://a.com:443/bot, ",
            "bot-1, PATCH, https://a.com/bot, bot",
            "'', PATCH, https://a.com/docs/x, any-case",
            "'', PATCH, https://a.com/DOCS, any-case",
            "'', PATCH, https://a.com/files, any-case-below",
            "'', PATCH, https://a.com/FILES/a/b, any-case-below",
            "'', PATCH, https://a.com/filesx, ",
            "'', PATCH, https://a.com/v2/items, glob",
            "'', PATCH, https://a.com/x, below",
            "'', PATCH, https://a.com/x/, below",
            "'', PATCH, https://a.com/x/y/z, below",
            "'', PATCH, https://a.com/xy, ",
            "'', PATCH, https://a.com/X/y, ",
            "'', POST, https://a.com/, writes",
            "'', Post, https://a.com/, writes",
    })
    void conditionsPackedOrLeftToTheRoute(String agent, String method, String url, String expected) {
        assertEquals(expected, route(FULL_CHECKS, agent, method, url));
    }

    @Test
    void everythingBelowTheRootMatchesTheRootToo() {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: all
                    match: {hosts: [b.com], paths: ["/**"]}
                    action: allow
                """);
        assertEquals("all", route(policy, "", "GET", "https://b.com/"));
        assertEquals("all", route(policy, "", "GET", "https://b.com/a/b"));
    }
}
