package dev.nexus.policy.match;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.nexus.policy.Policies.compile;
import static dev.nexus.policy.Policies.diagnostics;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inject routes match https only unless http is listed, so a credential never crosses the network in cleartext
 * by default; loopback and private address blocks keep http with a warning; explain says what happens on the wire.
 */
class InjectSchemesTest {

    private static final String README_EXAMPLE = """
            version: 1
            defaults: {action: deny}
            routes:
              - name: github
                match: {hosts: [api.github.com]}
                action: inject
                connection: github-bot
            """;

    private static PolicyRequest get(String scheme, String host, int port) {
        return new PolicyRequest("", scheme, host, port, "GET", "/repos/x/y");
    }

    @Test
    void anInjectRouteWithoutSchemesDoesNotMatchCleartextHttp() {
        CompiledPolicy policy = compile(README_EXAMPLE);
        assertThat(policy.decide(get("https", "api.github.com", 443))).isInstanceOf(Decision.Inject.class);
        Decision http = policy.decide(get("http", "api.github.com", 80));
        assertThat(http).isInstanceOf(Decision.Deny.class);
        assertThat(http.routeName()).isNull();
    }

    @Test
    void listingHttpInjectsOverCleartextAndIsWarnedAbout() {
        String yaml = README_EXAMPLE.replace("hosts: [api.github.com]", "hosts: [api.github.com], schemes: [http, https]");
        assertThat(compile(yaml).decide(get("http", "api.github.com", 80))).isInstanceOf(Decision.Inject.class);
        assertThat(diagnostics(yaml)).containsExactly("policy.yaml:5:47: routes[0].match.schemes: warning: inject route"
                + " \"github\" lists http: its credentials cross the network unencrypted");
    }

    @Test
    void loopbackAndPrivateBlocksKeepHttpWithAWarning() {
        String yaml = """
                version: 1
                routes:
                  - name: local
                    match: {hosts: ["127.0.0.1/32", "10.1.0.0/16", "fd00::/8"], ports: [8080]}
                    action: inject
                    connection: c
                """;
        CompiledPolicy policy = compile(yaml);
        assertThat(policy.decide(get("http", "127.0.0.1", 8080))).isInstanceOf(Decision.Inject.class);
        assertThat(policy.decide(get("http", "10.1.2.3", 8080))).isInstanceOf(Decision.Inject.class);
        assertThat(diagnostics(yaml)).singleElement().asString().contains("warning: inject route \"local\" also matches"
                + " cleartext http because every host is a loopback or private address block");
    }

    @Test
    void aPublicBlockOrANameBesideALoopbackBlockIsHttpsOnly() {
        for (String hosts : List.of("[\"127.0.0.1/32\", \"93.184.216.0/24\"]", "[\"127.0.0.1/32\", local.test]")) {
            CompiledPolicy policy = compile("""
                    version: 1
                    routes:
                      - name: mixed
                        match: {hosts: %s}
                        action: inject
                        connection: c
                    """.formatted(hosts));
            assertThat(policy.decide(get("http", "127.0.0.1", 80))).as(hosts).isInstanceOf(Decision.Deny.class);
            assertThat(policy.decide(get("https", "127.0.0.1", 443))).as(hosts).isInstanceOf(Decision.Inject.class);
        }
    }

    @Test
    void allowAndDenyRoutesStillMatchBothSchemes() {
        CompiledPolicy policy = compile("""
                version: 1
                routes:
                  - name: mirror
                    match: {hosts: [pypi.org]}
                    action: allow
                """);
        assertThat(policy.decide(get("http", "pypi.org", 80))).isInstanceOf(Decision.Allow.class);
        assertThat(policy.decide(get("https", "pypi.org", 443))).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void explainTellsInterceptionTunnelAndCleartextApart() {
        String yaml = """
                version: 1
                routes:
                  - name: github
                    match: {hosts: [api.github.com], schemes: [http, https]}
                    action: inject
                    connection: github-bot
                  - name: mirror
                    match: {hosts: [pypi.org]}
                    action: allow
                """;
        CompiledPolicy policy = compile(yaml);
        assertThat(lastStep(policy.explain(get("https", "api.github.com", 443))))
                .startsWith("what happens: TLS intercepted").endsWith("with the credential added");
        assertThat(lastStep(policy.explain(get("http", "api.github.com", 80))))
                .startsWith("what happens: cleartext HTTP").contains("with the credential added");
        assertThat(lastStep(policy.explain(new PolicyRequest("", "https", "pypi.org", 443, "CONNECT", null))))
                .startsWith("what happens: tunnel");
        assertThat(lastStep(policy.explain(get("http", "pypi.org", 80))))
                .isEqualTo("what happens: cleartext HTTP: the request is forwarded unencrypted, without credentials");
        assertThat(lastStep(policy.explain(new PolicyRequest("", "https", "api.github.com", 443, "GET", "/a%00/b"))))
                .isEqualTo("what happens: refused with 400 (ambiguous path); nothing is sent to the destination");
    }

    private static String lastStep(Explanation explanation) {
        return explanation.steps().get(explanation.steps().size() - 1);
    }
}
