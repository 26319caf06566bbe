package dev.nexus.policy.match;

import dev.nexus.policy.model.RedactResponses;
import dev.nexus.policy.model.StrategySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.nexus.policy.Policies.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompiledPolicyTest {

    private static PolicyRequest get(String url) {
        return request("", "GET", url);
    }

    /** A request for {@code url} ({@code scheme://host[:port]/path}); port defaults by scheme. */
    static PolicyRequest request(String agent, String method, String url) {
        String scheme = url.substring(0, url.indexOf("://"));
        String rest = url.substring(scheme.length() + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "/" : rest.substring(slash);
        int colon = authority.lastIndexOf(':');
        int port = scheme.equals("https") ? 443 : 80;
        String host = authority;
        if (colon > authority.lastIndexOf(']')) {
            host = authority.substring(0, colon);
            port = Integer.parseInt(authority.substring(colon + 1));
        }
        return new PolicyRequest(agent, scheme, host, port, method, path);
    }

    private static String route(CompiledPolicy policy, PolicyRequest request) {
        return policy.decide(request).routeName();
    }

    private static final CompiledPolicy HOSTS = compile("""
            version: 1
            routes:
              - name: any
                match: {hosts: ["*"]}
                action: deny
              - name: short-wildcard
                match: {hosts: ["*.amazonaws.com"]}
                action: allow
              - name: long-wildcard
                match: {hosts: ["*.s3.amazonaws.com"]}
                action: allow
              - name: exact
                match: {hosts: [special.s3.amazonaws.com]}
                action: allow
              - name: ten
                match: {hosts: [10.0.0.0/8]}
                action: allow
              - name: ten-one
                match: {hosts: [10.1.0.0/16]}
                action: allow
              - name: v6
                match: {hosts: ["fd00::/8"]}
                action: allow
              - name: idn
                match: {hosts: [bücher.example]}
                action: allow
            """);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "https://special.s3.amazonaws.com/, exact",
            "https://SPECIAL.S3.AmazonAWS.com./x, exact",
            "https://bucket.s3.amazonaws.com/, long-wildcard",
            "https://a.b.bucket.s3.amazonaws.com/, long-wildcard",
            "https://s3.amazonaws.com/, short-wildcard",
            "https://ec2.amazonaws.com/, short-wildcard",
            "https://amazonaws.com/, any",
            "https://example.org/, any",
            "https://10.2.3.4/, ten",
            "https://10.1.3.4/, ten-one",
            "https://11.1.3.4/, any",
            "'https://[fd12::1]/', v6",
            "'https://[FD12:0:0::1]/', v6",
            "'https://[fe80::1]/', any",
            "https://xn--bcher-kva.example/, idn",
            "https://BÜCHER.example./, idn",
    })
    void mostSpecificHostWinsRegardlessOfDocumentOrder(String url, String expected) {
        assertEquals(expected, route(HOSTS, get(url)));
    }

    @Test
    void wildcardDoesNotMatchItsApexWithoutTheCatchAll() {
        CompiledPolicy policy = compile("version: 1\nroutes:\n  - name: w\n    match: {hosts: [\"*.example.com\"]}\n    action: allow\n");
        assertEquals("w", route(policy, get("https://a.example.com/")));
        assertNull(route(policy, get("https://example.com/")));
        assertNull(route(policy, get("https://badexample.com/")));
        assertNull(route(policy, get("https://a.example.com.evil.org/")));
    }

    private static final CompiledPolicy PATHS = compile("""
            version: 1
            defaults: {action: allow}
            routes:
              - name: repos
                match: {hosts: [api.github.com], paths: [/repos]}
                action: allow
              - name: admin
                match: {hosts: [api.github.com], paths: ["/admin/**"]}
                action: deny
                message: no admin
              - name: issues
                match: {hosts: [api.github.com], paths: ["/repos/*/issues"]}
                action: deny
              - name: everything
                match: {hosts: [api.github.com]}
                action: allow
            """);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/repos, repos",
            "/repos/, repos",
            "/repos/x/y, repos",
            "/repository, everything",
            "/repos/x/issues, issues",
            "/repos/x/y/issues, repos",
            "/admin/, admin",
            "/admin/users/1, admin",
            "/admin, admin",
            "/public/../admin/x, admin",
            "/public/%2e%2e/admin/x, admin",
            "/public/%2E%2E/admin/x, admin",
            "/%61dmin/x, admin",
            "//admin//x, admin",
            "/public%2F..%2Fadmin/x, admin",
            "/./admin/./x, admin",
            "/../../admin/x, admin",
            "/admin/x?y=1, admin",
            "'/public\\..\\admin\\x', admin",
            "/repos/x%2Fissues, issues",
    })
    void pathRulesSeeTheNormalisedPath(String path, String expected) {
        assertEquals(expected, route(PATHS, get("https://api.github.com" + path)));
    }

    @Test
    void samePathSpecificityFallsBackToDocumentOrder() {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: first
                    match: {hosts: [a.com], paths: ["/x/*"]}
                    action: allow
                  - name: second
                    match: {hosts: [a.com], paths: ["/x/**"]}
                    action: deny
                """);
        assertEquals("first", route(policy, get("https://a.com/x/y")));
        assertEquals("second", route(policy, get("https://a.com/x/y/z")));
    }

    @Test
    void morePathSpecificRouteOnALessSpecificHostDoesNotBeatTheExactHost() {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: wildcard-paths
                    match: {hosts: ["*.github.com"], paths: [/repos/x]}
                    action: deny
                  - name: exact-any-path
                    match: {hosts: [api.github.com]}
                    action: allow
                """);
        assertEquals("exact-any-path", route(policy, get("https://api.github.com/repos/x")));
        assertEquals("wildcard-paths", route(policy, get("https://www.github.com/repos/x")));
    }

    private static final CompiledPolicy CONDITIONS = compile("""
            version: 1
            routes:
              - name: alt-port
                match: {hosts: [a.com], ports: [8443], schemes: [https]}
                action: allow
              - name: writes
                match: {hosts: [a.com], methods: [POST, put]}
                action: deny
              - name: billing
                match: {hosts: [a.com], agents: ["spiffe://prod/ns/billing/*", billing-bot]}
                action: allow
              - name: plain-http
                match: {hosts: [b.com], schemes: [http]}
                action: allow
            """);

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
            "billing-bot, GET, https://a.com/, billing",
            "spiffe://prod/ns/billing/sa/bot, GET, https://a.com/, billing",
            "spiffe://prod/ns/other/sa/bot, GET, https://a.com/, ",
            "'', GET, https://a.com/, ",
            "billing-bot, POST, https://a.com/, writes",
            "billing-bot, post, https://a.com/, writes",
            "billing-bot, PUT, https://a.com/, writes",
            "billing-bot, GET, https://a.com:8443/, alt-port",
            "billing-bot, GET, http://a.com:8443/, ",
            "billing-bot, GET, https://a.com:444/, ",
            "billing-bot, GET, http://a.com/, billing",
            "'', GET, http://b.com/, plain-http",
            "'', GET, https://b.com/, ",
            "'', GET, http://b.com:443/, ",
    })
    void portsMethodsSchemesAndAgents(String agent, String method, String url, String expected) {
        assertEquals(expected, route(CONDITIONS, request(agent, method, url)));
    }

    @Test
    void decisionsCarryRouteReasonOptionsAndStrategy() {
        CompiledPolicy policy = compile("""
                version: 1
                defaults: {action: deny, message: ask the platform team}
                routes:
                  - name: weather
                    match: {hosts: [API.Weather.example]}
                    action: inject
                    connection: weather-key
                    strategy: {type: query_param, config: {param_name: appid}}
                    strip_request_headers: [X-Debug]
                    timeout: 30s
                  - name: npm
                    match: {hosts: ["*.npmjs.org"]}
                    action: allow
                  - name: echo
                    match: {hosts: [echo.example]}
                    action: inject
                    connection: echo-key
                    redact_responses: headers
                  - name: risky
                    match: {hosts: [risky.example]}
                    action: inject
                    connection: echo-key
                    redact_responses: off
                  - name: blocked
                    match: {hosts: [evil.example]}
                    action: deny
                    message: not this one
                """);
        Decision.Inject inject = assertInstanceOf(Decision.Inject.class, policy.decide(get("https://api.weather.example/v1")));
        assertEquals("route \"weather\" matched host api.weather.example", inject.reason());
        assertEquals("weather-key", inject.connectionId());
        assertEquals(new StrategySpec("query_param", Map.of("param_name", "appid")), inject.strategyOverride());
        assertEquals(new RouteOptions(true, List.of("X-Debug"), Duration.ofSeconds(30), RouteOptions.DEFAULT_MAX_BODY_BYTES, false),
                inject.options());

        assertEquals(RedactResponses.FULL, inject.options().redactResponses(), "full is the default on inject routes");
        Decision.Inject headersOnly = assertInstanceOf(Decision.Inject.class, policy.decide(get("https://echo.example/")));
        assertEquals(RedactResponses.HEADERS, headersOnly.options().redactResponses());
        Decision.Inject unscanned = assertInstanceOf(Decision.Inject.class, policy.decide(get("https://risky.example/")));
        assertEquals(RedactResponses.OFF, unscanned.options().redactResponses(), "unquoted off is YAML false and means off");

        Decision.Allow allow = assertInstanceOf(Decision.Allow.class, policy.decide(get("https://registry.npmjs.org/x")));
        assertEquals("route \"npm\" matched host *.npmjs.org", allow.reason());
        assertFalse(allow.options().interceptTls(), "allow routes tunnel without interception by default");

        Decision.Deny deny = assertInstanceOf(Decision.Deny.class, policy.decide(get("https://evil.example/")));
        assertEquals("blocked", deny.routeName());
        assertEquals("not this one", deny.message());

        Decision.Deny fallback = assertInstanceOf(Decision.Deny.class, policy.decide(get("https://unknown.example/")));
        assertNull(fallback.routeName());
        assertEquals("no route matched, default deny", fallback.reason());
        assertEquals("ask the platform team", fallback.message());
    }

    @Test
    void defaultAllowStillRefusesPrivateAddresses() throws Exception {
        CompiledPolicy policy = compile("version: 1\ndefaults: {action: allow}\n");
        Decision.Allow allow = assertInstanceOf(Decision.Allow.class, policy.decide(get("http://example.org/")));
        assertEquals("no route matched, default allow", allow.reason());
        assertTrue(allow.mayConnectTo(java.net.InetAddress.getByName("93.184.216.34")));
        assertFalse(allow.mayConnectTo(java.net.InetAddress.getByName("127.0.0.1")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bad..host", "."})
    void invalidHostIsDenied(String host) {
        CompiledPolicy policy = compile("version: 1\ndefaults: {action: allow}\n");
        Decision decision = policy.decide(new PolicyRequest("", "https", host, 443, "GET", "/"));
        assertInstanceOf(Decision.Deny.class, decision);
    }

    private static final CompiledPolicy TUNNELS = compile("""
            version: 1
            routes:
              - name: gh-admin
                match: {hosts: [api.github.com], paths: ["/admin/**"]}
                action: deny
              - name: gh
                match: {hosts: [api.github.com]}
                action: allow
              - name: only-admin-deny
                match: {hosts: [b.example], paths: ["/admin/**"]}
                action: deny
              - name: pinned
                match: {hosts: [pinned.example]}
                action: allow
              - name: wild
                match: {hosts: ["*.c.example"]}
                action: allow
              - name: c-paths
                match: {hosts: [x.c.example], paths: [/v1]}
                action: deny
            """);

    private static PolicyRequest connect(String host) {
        return new PolicyRequest("", "https", host, 443, "CONNECT", null);
    }

    @Test
    void tunnelToHostWithoutPathRulesIsNotIntercepted() {
        Decision.Allow allow = assertInstanceOf(Decision.Allow.class, TUNNELS.decide(connect("pinned.example")));
        assertEquals("pinned", allow.routeName());
        assertFalse(allow.options().interceptTls());
    }

    @Test
    void tunnelToHostWithPathRulesIsInterceptedSoEachRequestIsChecked() {
        Decision.Allow allow = assertInstanceOf(Decision.Allow.class, TUNNELS.decide(connect("api.github.com")));
        assertEquals("gh", allow.routeName());
        assertTrue(allow.options().interceptTls());
        assertEquals("route \"gh\" matched host api.github.com, TLS intercepted so each request is checked", allow.reason());
        assertInstanceOf(Decision.Deny.class, TUNNELS.decide(get("https://api.github.com/admin/x")));

        Decision.Allow throughWildcard = assertInstanceOf(Decision.Allow.class, TUNNELS.decide(connect("x.c.example")));
        assertEquals("wild", throughWildcard.routeName());
        assertTrue(throughWildcard.options().interceptTls());
    }

    @Test
    void tunnelWhoseOnlyRoutesDenyIsDenied() {
        Decision decision = TUNNELS.decide(connect("b.example"));
        assertInstanceOf(Decision.Deny.class, decision);
        assertEquals("only-admin-deny", decision.routeName());
    }

    @Test
    void explainListsCandidatesAndTheWinner() {
        Explanation explanation = PATHS.explain(get("https://api.github.com/public/../admin/x"));
        assertEquals(List.of(
                "request: agent \"\" GET https://api.github.com:443/admin/x",
                "candidates for exact host api.github.com:",
                "  route \"issues\" (policy.yaml:11:5, deny, path /repos/*/issues specificity 14): no, path /admin/x does not match /repos/*/issues",
                "  route \"admin\" (policy.yaml:7:5, deny, path /admin/** specificity 7): MATCH",
                "decision: deny (route \"admin\" matched host api.github.com)",
                "what happens: refused with 403; nothing is sent to the destination"), explanation.steps());
        assertEquals("admin", explanation.decision().routeName());
    }

    @Test
    void explainSaysWhyARouteDidNotMatch() {
        List<String> steps = CONDITIONS.explain(request("someone", "DELETE", "https://a.com/")).steps();
        assertEquals(List.of(
                "request: agent \"someone\" DELETE https://a.com:443/",
                "candidates for exact host a.com:",
                "  route \"alt-port\" (policy.yaml:3:5, allow): no, port 443 not in [8443]",
                "  route \"writes\" (policy.yaml:6:5, deny): no, method DELETE not in [POST, PUT]",
                "  route \"billing\" (policy.yaml:9:5, allow): no, agent \"someone\" not in [spiffe://prod/ns/billing/*, billing-bot]",
                "no route matched",
                "decision: deny (no route matched, default deny)",
                "what happens: refused with 403; nothing is sent to the destination"), steps);
    }

    @Test
    void lifetimeOptionsCompileIntoTheRouteOptionsOfStreamsAndTunnels() {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: events
                    match: {hosts: [stream.example]}
                    action: inject
                    connection: c
                    max_stream_lifetime: 15m
                    on_credential_expiry: close
                  - name: tunnels
                    match: {hosts: [git.example]}
                    action: allow
                    max_tunnel_lifetime: 8h
                  - name: plain
                    match: {hosts: [plain.example]}
                    action: inject
                    connection: c
                  - name: no-replay
                    match: {hosts: [upload.example]}
                    action: inject
                    connection: c
                    replay_buffer_bytes: 0
                """);
        Decision.Inject events = assertInstanceOf(Decision.Inject.class, policy.decide(get("https://stream.example/sse")));
        assertEquals(new RouteOptions.Lifetimes(Duration.ofMinutes(15), true, null), events.options().lifetimes());
        Decision.Allow tunnels = assertInstanceOf(Decision.Allow.class, policy.decide(get("https://git.example/")));
        assertEquals(new RouteOptions.Lifetimes(null, false, Duration.ofHours(8)), tunnels.options().lifetimes());
        Decision.Inject plain = assertInstanceOf(Decision.Inject.class, policy.decide(get("https://plain.example/")));
        assertEquals(RouteOptions.Lifetimes.UNLIMITED, plain.options().lifetimes(), "default: keep, no limits");
        assertEquals(RouteOptions.DEFAULT_REPLAY_BUFFER_BYTES, plain.options().replayBufferBytes());
        Decision.Inject noReplay = assertInstanceOf(Decision.Inject.class, policy.decide(get("https://upload.example/")));
        assertEquals(0, noReplay.options().replayBufferBytes());
    }
}
