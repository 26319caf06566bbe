package dev.nexus.proxy.decision;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /admin/**} denied ahead of an inject route on the same origin: no spelling of an admin path reaches the
 * origin with the credential. Spellings the canonical form covers are denied (403), spellings no canonical form
 * can vouch for are refused (400). The query-param strategy leaves no agent-sent variant of its parameter.
 */
class PathDenyBypassTest {

    private static final String SECRET = "path-table-SECRET-credential";

    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = resources.add(TestOrigin.start());
        String policy = """
                version: 1
                defaults: {action: deny}
                routes:
                  - name: admin-off-limits
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], paths: ["/admin/**"], paths_ignore_case: true}
                    action: deny
                  - name: case-sensitive-deny
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], paths: ["/internal/**"]}
                    action: deny
                  - name: api
                    match: {hosts: ["127.0.0.1/32"], ports: [%1$d], schemes: [http]}
                    action: inject
                    connection: api
                """.formatted(origin.port());
        FixedLeases leases = new FixedLeases().add("api", new StrategySpec("query_param", Map.of("param_name", "token")),
                v -> Map.of("api_key", SECRET));
        proxy = resources.add(ProxyHarness.builder().policyYaml(policy).injector(new CredentialInjector(leases))
                .start());
    }

    private String send(String pathAndQuery) throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET http://127.0.0.1:" + origin.port() + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:"
                    + origin.port() + "\r\nConnection: close\r\n\r\n");
            return agent.readUntilClosed();
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/admin                | 403",
            "/admin/               | 403",
            "/ADMIN/x              | 403",
            "/Admin/x              | 403",
            "/admin;x=1/x          | 403",
            "/admin;/x             | 403",
            "/admin%3b/x           | 403",
            "/admin%3B/x           | 403",
            "/%252e%252e/admin/x   | 400",
            "/admin%00/x           | 400",
            "/admin%20/x           | 403",
            "/admin./x             | 403",
            "/x/..;/admin/x        | 403",
            "/%61dmin/x            | 403",
            "/x/%2e%2e/admin       | 403",
            "/.../admin/x          | 400",
            "/%c0%ae%c0%ae/admin/x | 400",
            "/admin%zz/x           | 400",
    })
    void noSpellingOfTheDeniedPathReachesTheOrigin(String path, int status) throws Exception {
        String response = send(path);
        assertThat(response).startsWith("HTTP/1.1 " + status)
                .contains(status == 400 ? "\"error\":\"ambiguous_path\"" : "\"error\":\"denied\"")
                .doesNotContain(SECRET);
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void withoutTheFlagPathsMatchCaseSensitively() throws Exception {
        assertThat(send("/internal/x")).startsWith("HTTP/1.1 403");
        assertThat(send("/INTERNAL/x")).startsWith("HTTP/1.1 200");
        assertThat(origin.lastRequest().uri()).isEqualTo("/INTERNAL/x?token=" + SECRET);
    }

    @Test
    void ordinaryPathsStillGetTheCredential() throws Exception {
        assertThat(send("/v1/items%20list/x;v=2?q=1")).startsWith("HTTP/1.1 200");
        assertThat(origin.lastRequest().uri()).isEqualTo("/v1/items%20list/x;v=2?q=1&token=" + SECRET);
    }

    @Test
    void everyCaseAndSeparatorVariantOfTheQueryParameterIsReplaced() throws Exception {
        assertThat(send("/data?TOKEN=agent-1&a=1;token=agent-2&Token=agent-3;b=2")).startsWith("HTTP/1.1 200");
        assertThat(origin.lastRequest().uri()).isEqualTo("/data?a=1;b=2&token=" + SECRET);
    }
}
