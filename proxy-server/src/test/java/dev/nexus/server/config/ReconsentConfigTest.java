package dev.nexus.server.config;

import dev.nexus.proxy.credentials.reconsent.ReconsentSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code authority.nexus.reconsent}: what the proxy needs to start a consent itself, and its mistakes by field. */
class ReconsentConfigTest {

    private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

    @Test
    void bindsWorkspaceReturnUrlAndEachConnectionsProviderAndScopes() throws Exception {
        ReconsentSettings reconsent = loader.parse("config.yaml", """
                authority:
                  type: nexus
                  nexus:
                    url: https://authority.example
                    api_key: key
                    reconsent:
                      workspace_id: ws-acme
                      return_url: https://agents.acme.example/consented
                      poll_initial: 2s
                      poll_for: 2h
                      connections:
                        gmail-support: {provider_id: google, scopes: [gmail.send, gmail.readonly]}
                        github-bot: {provider_id: github}
                """).authority().nexus().reconsent().orElseThrow();

        assertThat(reconsent.workspaceId()).isEqualTo("ws-acme");
        assertThat(reconsent.returnUrl()).isEqualTo("https://agents.acme.example/consented");
        assertThat(reconsent.connections()).containsOnly(
                Map.entry("gmail-support", new ReconsentSettings.Provider("google", List.of("gmail.send", "gmail.readonly"))),
                Map.entry("github-bot", new ReconsentSettings.Provider("github", List.of())));
        assertThat(reconsent.pollInitial()).isEqualTo(Duration.ofSeconds(2));
        assertThat(reconsent.pollMax()).isEqualTo(Duration.ofSeconds(30));
        assertThat(reconsent.pollFor()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void withoutTheSectionNothingIsReconsented() throws Exception {
        NexusConfig config = loader.parse("config.yaml", "authority: {type: nexus, nexus: {url: 'https://a.example', api_key: k}}");

        assertThat(config.authority().nexus().reconsent()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            'reconsent: {}' | authority.nexus.reconsent.workspace_id: required (the Authority workspace new connections belong to)
            'reconsent: {workspace_id: ws}' | authority.nexus.reconsent.return_url: required (where the provider sends the human after approving)
            'reconsent: {workspace_id: ws, return_url: "app://back"}' | authority.nexus.reconsent.return_url: must be an http:// or https:// URL with a host, got "app://back"
            'reconsent: {workspace_id: ws, return_url: "https://a.example"}' | authority.nexus.reconsent.connections: name at least one connection with its provider_id and scopes
            'reconsent: {workspace_id: ws, return_url: "https://a.example", connections: {mail: {scopes: [a]}}}' | authority.nexus.reconsent.connections.mail.provider_id: required (the provider the new consent is for)
            'reconsent: {workspace_id: ws, return_url: "https://a.example", connections: {mail: {provider_id: g, scope: a}}}' | authority.nexus.reconsent.connections.mail.scope: unknown key; expected one of: provider_id, scopes
            'reconsent: {workspace_id: ws, return_url: "https://a.example", connections: {mail: {provider_id: g, scopes: a}}}' | authority.nexus.reconsent.connections.mail.scopes: must be a list, e.g. [a, b], got a single value
            'reconsent: {workspace_id: ws, return_url: "https://a.example", poll_initial: 1m, poll_max: 10s, connections: {mail: {provider_id: g}}}' | authority.nexus.reconsent.poll_max: must not be shorter than poll_initial (PT1M)
            """)
    void mistakesNameTheField(String reconsent, String expected) {
        String yaml = "authority: {type: nexus, nexus: {url: 'https://a.example', api_key: k, " + reconsent + "}}";

        assertThatThrownBy(() -> loader.parse("config.yaml", yaml)).isInstanceOf(ConfigException.class)
                .hasMessage("config.yaml:1: " + expected);
    }

    @Test
    void aConnectionTheAuthorityDoesNotServeCannotBeReconsented() {
        String yaml = """
                authority:
                  type: nexus
                  connections: {github: file}
                  nexus:
                    url: https://authority.example
                    api_key: key
                    reconsent:
                      workspace_id: ws
                      return_url: https://a.example
                      connections: {github: {provider_id: github}}
                """;

        assertThatThrownBy(() -> loader.parse("config.yaml", yaml)).isInstanceOf(ConfigException.class)
                .hasMessage("config.yaml:10: authority.nexus.reconsent.connections.github: is served by the file source;"
                        + " only connections the Nexus Authority serves can be re-consented (set authority.type or"
                        + " authority.connections.github to nexus)");
    }
}
