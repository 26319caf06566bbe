package dev.nexus.proxy.decision;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.testing.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An inject route written like the README's example ({@code hosts: [api.github.com]}, no schemes) never sends its
 * credential over plain HTTP: the cleartext request falls to the default. Listing {@code http} opts in.
 */
class CleartextInjectionTest {

    private static final String SECRET = "cleartext-SECRET-token";

    @RegisterExtension
    final TestResources resources = new TestResources();
    private TestOrigin origin;
    private ProxyHarness proxy;

    private void start(String schemes) throws Exception {
        origin = resources.add(TestOrigin.start());
        String policy = """
                version: 1
                defaults: {action: deny}
                routes:
                  - name: api
                    match: {hosts: [api.test], ports: [%d]%s}
                    action: inject
                    connection: api
                    allow_private_cidrs: ["127.0.0.0/8"]
                """.formatted(origin.port(), schemes);
        FixedLeases leases = new FixedLeases().add("api", new StrategySpec("header", Map.of("header_name", "X-Api-Key")),
                v -> Map.of("api_key", SECRET));
        proxy = resources.add(ProxyHarness.builder().policyYaml(policy).injector(new CredentialInjector(leases))
                .settings(b -> b.hostOverrides(Map.of("api.test", InetAddress.getLoopbackAddress()))).start());
    }

    private HttpResponse<String> get() throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(URI.create("http://api.test:" + origin.port() + "/v1")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutSchemesAPlainHttpRequestGetsNoCredential() throws Exception {
        start("");
        HttpResponse<String> response = get();
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("default deny").doesNotContain(SECRET);
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void listingHttpInjectsOverCleartext() throws Exception {
        start(", schemes: [http]");
        assertThat(get().statusCode()).isEqualTo(200);
        assertThat(origin.lastRequest().header("x-api-key")).isEqualTo(SECRET);
    }
}
