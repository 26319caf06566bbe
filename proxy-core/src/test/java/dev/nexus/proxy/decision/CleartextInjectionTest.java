package dev.nexus.proxy.decision;

import dev.nexus.policy.load.LoadResult;
import dev.nexus.policy.load.PolicyLoader;
import dev.nexus.policy.load.SourceFile;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An inject route written like the README's example ({@code hosts: [api.github.com]}, no schemes) never sends its
 * credential over plain HTTP: the cleartext request falls to the default. Listing {@code http} opts in.
 */
class CleartextInjectionTest {

    private static final String SECRET = "cleartext-SECRET-token";

    private TestOrigin origin;
    private ProxyHarness proxy;

    private void start(String schemes) throws Exception {
        origin = TestOrigin.start();
        LoadResult loaded = PolicyLoader.load(List.of(new SourceFile("policy.yaml", """
                version: 1
                defaults: {action: deny}
                routes:
                  - name: api
                    match: {hosts: [api.test], ports: [%d]%s}
                    action: inject
                    connection: api
                    allow_private_cidrs: ["127.0.0.0/8"]
                """.formatted(origin.port(), schemes))));
        assertThat(loaded.errors()).isEmpty();
        FixedLeases leases = new FixedLeases().add("api", new StrategySpec("header", Map.of("header_name", "X-Api-Key")),
                v -> Map.of("api_key", SECRET));
        proxy = ProxyHarness.builder().policy(loaded.policy()::decide).injector(new CredentialInjector(leases))
                .settings(b -> b.hostOverrides(Map.of("api.test", InetAddress.getLoopbackAddress()))).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
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
