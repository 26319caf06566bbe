package dev.nexus.server.config;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.oauth2.ClientAuthentication;
import dev.nexus.proxy.credentials.oauth2.OAuth2Connection;
import dev.nexus.proxy.credentials.oauth2.OAuth2Grant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code authority.connections} and {@code authority.oauth2}: sources chosen per connection, OAuth 2 clients, their errors. */
class AuthoritySourcesConfigTest {

    private static final String SECRET = "s3cr3t-from-the-environment";
    private final ConfigLoader loader = new ConfigLoader(Map.of("BILLING_SECRET", SECRET)::get);

    private static final String MIXED = """
            authority:
              type: nexus
              nexus: {url: https://authority.example, api_key: key}
              file: {path: dev-credentials.yaml}
              connections: {github: file}
              oauth2:
                timeout: 3s
                connections:
                  billing:
                    token_url: https://login.example.com/oauth2/token
                    client_id: nexus-proxy
                    client_secret_env: BILLING_SECRET
                    auth_method: client_secret_post
                    scopes: [invoices.read, invoices.write]
                    audience: https://api.billing.example
                    resource: [https://api.billing.example/v1]
                  crm:
                    grant: refresh_token
                    token_url: https://crm.example/oauth/token
                    client_id: nexus-crm
                    client_secret_file: /etc/nexus/crm-secret
                    refresh_token_file: /var/lib/nexus/crm.refresh-token
                    strategy: {type: header, config: {header_name: X-Crm-Token, credential_field: access_token}}
            """;

    @Test
    void eachConnectionNamesItsSourceAndTheRestGoToTheType() throws Exception {
        NexusConfig.Authority authority = loader.parse("mixed", MIXED).authority();

        assertThat(authority.sourceOf("github")).isEqualTo(NexusConfig.SourceType.FILE);
        assertThat(authority.sourceOf("billing")).isEqualTo(NexusConfig.SourceType.OAUTH2);
        assertThat(authority.sourceOf("crm")).isEqualTo(NexusConfig.SourceType.OAUTH2);
        assertThat(authority.sourceOf("anything-else")).isEqualTo(NexusConfig.SourceType.NEXUS);

        OAuth2Connection billing = authority.oauth2().connections().get("billing").toConnection("billing");
        assertThat(billing.grant()).isEqualTo(OAuth2Grant.CLIENT_CREDENTIALS);
        assertThat(billing.tokenUrl()).isEqualTo(URI.create("https://login.example.com/oauth2/token"));
        assertThat(billing.authentication()).isEqualTo(ClientAuthentication.CLIENT_SECRET_POST);
        assertThat(billing.scopes()).containsExactly("invoices.read", "invoices.write");
        assertThat(billing.audience()).isEqualTo("https://api.billing.example");
        assertThat(billing.resources()).containsExactly(URI.create("https://api.billing.example/v1"));
        assertThat(billing.strategy()).isEqualTo(StrategySpec.of("oauth2"));
        assertThat(billing.toString()).contains("environment variable BILLING_SECRET").doesNotContain(SECRET);

        OAuth2Connection crm = authority.oauth2().connections().get("crm").toConnection("crm");
        assertThat(crm.grant()).isEqualTo(OAuth2Grant.REFRESH_TOKEN);
        assertThat(crm.authentication()).isEqualTo(ClientAuthentication.CLIENT_SECRET_BASIC);
        assertThat(crm.refreshTokenFile()).isEqualTo(Path.of("/var/lib/nexus/crm.refresh-token"));
        assertThat(crm.strategy()).isEqualTo(new StrategySpec("header",
                Map.of("header_name", "X-Crm-Token", "credential_field", "access_token")));
    }

    @Test
    void theEffectiveConfigurationNeverPrintsTheClientSecret() throws Exception {
        String printed = ConfigPrinter.toYaml(loader.parse("mixed", MIXED));

        assertThat(printed).doesNotContain(SECRET).contains("client_secret_env: \"BILLING_SECRET\"").contains("****");
    }

    @Test
    void existingConfigurationsKeepOneSourceForEveryConnection() throws Exception {
        NexusConfig.Authority nexus = loader.parse("old", "authority: {type: nexus, nexus: {url: 'https://a.example', api_key: k}}")
                .authority();
        NexusConfig.Authority file = loader.parse("old", "authority: {type: file}").authority();

        assertThat(nexus.connections()).isEmpty();
        assertThat(nexus.oauth2().connections()).isEmpty();
        assertThat(nexus.sourceOf("x")).isEqualTo(NexusConfig.SourceType.NEXUS);
        assertThat(file.sourceOf("x")).isEqualTo(NexusConfig.SourceType.FILE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            'authority: {connections: {a: vault}}'  | authority.connections.a: must be one of file, nexus, oauth2, got "vault"
            'authority: {connections: {a: nexus}}'  | authority.nexus.url: required when authority.connections.a is nexus
            'authority: {connections: {a: oauth2}}' | authority.connections.a: is oauth2, but authority.oauth2.connections has no entry "a"
            'authority: {connections: {b: file}, oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_file: s}}}}' | authority.connections.b: is file, but authority.oauth2.connections also defines it; a connection has one source
            'authority: {oauth2: {connections: {b: {client_id: c}}}}' | authority.oauth2.connections.b.token_url: required (the token endpoint's URL)
            'authority: {oauth2: {connections: {b: {token_url: "https://u:p@t.example", client_id: c}}}}' | authority.oauth2.connections.b.token_url: must not contain credentials
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example"}}}}' | authority.oauth2.connections.b.client_id: required
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c}}}}' | authority.oauth2.connections.b.client_secret_file: client_secret_file or client_secret_env is required for the client_credentials grant
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_env: NOPE}}}}' | authority.oauth2.connections.b.client_secret_env: environment variable NOPE is not set or empty
            'authority: {oauth2: {connections: {b: {grant: refresh_token, token_url: "https://t.example", client_id: c}}}}' | authority.oauth2.connections.b.refresh_token_file: required when authority.oauth2.connections.b.grant is refresh_token
            'authority: {oauth2: {connections: {b: {grant: password, token_url: "https://t.example", client_id: c}}}}' | authority.oauth2.connections.b.grant: must be one of client_credentials, refresh_token, got "password"
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_file: s, auth_method: private_key_jwt}}}}' | authority.oauth2.connections.b.auth_method: must be one of client_secret_basic, client_secret_post, got "private_key_jwt"
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_file: s, scopes: ["a b"]}}}}' | authority.oauth2.connections.b: connection b: scope 'a b' is not a valid OAuth 2 scope token (printable ASCII without spaces, quotes or backslashes)
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_file: s, resource: ["/relative"]}}}}' | authority.oauth2.connections.b.resource[0]: must be an absolute URI without a fragment (RFC 8707), got "/relative"
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_file: s, strategy: {type: magic}}}}}' | authority.oauth2.connections.b.strategy.type: unknown strategy type "magic"
            'authority: {oauth2: {connections: {b: {token_url: "https://t.example", client_id: c, client_secret_file: s, scope: x}}}}' | authority.oauth2.connections.b.scope: unknown key; expected one of: grant, token_url, client_id, client_secret_file, client_secret_env, auth_method, scopes, audience, resource, refresh_token_file, strategy
            """)
    void mistakesNameTheField(String yaml, String expected) {
        assertThatThrownBy(() -> loader.parse("config.yaml", yaml)).isInstanceOf(ConfigException.class)
                .hasMessage("config.yaml:1: " + expected);
    }

    @Test
    void aPublicClientMayUseTheRefreshTokenGrantWithoutASecret() throws Exception {
        NexusConfig.OAuth2Client client = loader.parse("public", """
                authority:
                  oauth2:
                    connections:
                      notes: {grant: refresh_token, token_url: "https://t.example", client_id: cli, refresh_token_file: rt}
                """).authority().oauth2().connections().get("notes");

        assertThat(client.toConnection("notes").clientSecret()).isNull();
        assertThat(List.of(client.refreshTokenFile().orElseThrow())).containsExactly(Path.of("rt"));
    }
}
