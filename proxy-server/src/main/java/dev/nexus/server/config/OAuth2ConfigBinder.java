package dev.nexus.server.config;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.oauth2.ClientAuthentication;
import dev.nexus.proxy.credentials.oauth2.OAuth2Grant;
import dev.nexus.proxy.strategy.StrategyException;
import dev.nexus.proxy.strategy.StrategyOptions;
import dev.nexus.proxy.strategy.Strategies;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Binds the per-connection source choice ({@code authority.connections}) and the OAuth 2 section
 * ({@code authority.oauth2}), and checks that every connection is served by exactly one configured source.
 * Kept apart from {@link ConfigLoader} because OAuth 2 clients have many fields and rules of their own.
 */
final class OAuth2ConfigBinder {

    private OAuth2ConfigBinder() {
    }

    /** {@code authority.connections}: connection id to {@code file}, {@code nexus} or {@code oauth2}. */
    static Map<String, NexusConfig.SourceType> bindConnections(ConfigSection s) throws ConfigException {
        Map<String, NexusConfig.SourceType> connections = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : s.stringMap("connections").entrySet()) {
            String name = entry.getValue().trim().toUpperCase(Locale.ROOT);
            try {
                connections.put(entry.getKey(), NexusConfig.SourceType.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw s.error(s.pathOf("connections") + "." + entry.getKey(),
                        "must be one of file, nexus, oauth2, got " + ConfigSection.quote(entry.getValue()));
            }
        }
        return connections;
    }

    static NexusConfig.OAuth2Authority bindOAuth2(ConfigSection s) throws ConfigException {
        NexusConfig.OAuth2Authority d = NexusConfig.OAuth2Authority.DEFAULT;
        Duration connectTimeout = s.duration("connect_timeout", d.connectTimeout(), Duration.ofMillis(1), Duration.ofMinutes(5));
        Duration timeout = s.duration("timeout", d.timeout(), Duration.ofMillis(1), Duration.ofMinutes(5));
        Optional<Path> caFile = s.optionalPath("ca_file");
        ConfigSection section = s.section("connections");
        Map<String, NexusConfig.OAuth2Client> clients = new LinkedHashMap<>();
        for (String id : section.keys()) {
            clients.put(id, bindClient(section.section(id), id));
        }
        section.finish();
        s.finish();
        return new NexusConfig.OAuth2Authority(connectTimeout, timeout, caFile, clients);
    }

    private static NexusConfig.OAuth2Client bindClient(ConfigSection s, String id) throws ConfigException {
        OAuth2Grant grant = s.choice("grant", OAuth2Grant.CLIENT_CREDENTIALS);
        URI tokenUrl = ConfigLoader.httpUrl(s, "token_url")
                .orElseThrow(() -> s.error(s.pathOf("token_url"), "required (the token endpoint's URL)"));
        String clientId = s.optionalString("client_id")
                .orElseThrow(() -> s.error(s.pathOf("client_id"), "required"));
        Optional<Path> secretFile = s.optionalPath("client_secret_file");
        Optional<String> secretEnv = s.optionalString("client_secret_env");
        ClientAuthentication authMethod = s.choice("auth_method", ClientAuthentication.CLIENT_SECRET_BASIC);
        List<String> scopes = s.stringList("scopes");
        Optional<String> audience = s.optionalString("audience");
        List<URI> resources = resources(s);
        Optional<Path> refreshTokenFile = s.optionalPath("refresh_token_file");
        Optional<StrategySpec> strategy = strategy(s.section("strategy"));
        s.finish();

        if (secretFile.isPresent() && secretEnv.isPresent()) {
            throw s.error(s.pathOf("client_secret_file"), "set only one of client_secret_file and client_secret_env");
        }
        if (secretFile.isEmpty() && secretEnv.isEmpty() && grant == OAuth2Grant.CLIENT_CREDENTIALS) {
            throw s.error(s.pathOf("client_secret_file"), "client_secret_file or client_secret_env is required"
                    + " for the client_credentials grant");
        }
        if (grant == OAuth2Grant.REFRESH_TOKEN && refreshTokenFile.isEmpty()) {
            throw s.error(s.pathOf("refresh_token_file"), "required when " + s.pathOf("grant") + " is refresh_token");
        }
        if (grant != OAuth2Grant.REFRESH_TOKEN && refreshTokenFile.isPresent()) {
            throw s.error(s.pathOf("refresh_token_file"), "only used when " + s.pathOf("grant") + " is refresh_token");
        }
        Optional<Secret> secret = Optional.empty();
        if (secretEnv.isPresent()) {
            String value = s.environmentVariable(secretEnv.get());
            if (value == null || value.isBlank()) {
                throw s.error(s.pathOf("client_secret_env"), "environment variable " + secretEnv.get() + " is not set or empty");
            }
            secret = Optional.of(Secret.of(value));
        }
        var client = new NexusConfig.OAuth2Client(grant, tokenUrl, clientId, secretFile, secretEnv, secret, authMethod,
                scopes, audience, resources, refreshTokenFile, strategy);
        try {
            client.toConnection(id);
        } catch (IllegalArgumentException e) {
            throw s.error(s.path(), e.getMessage());
        }
        return client;
    }

    private static List<URI> resources(ConfigSection s) throws ConfigException {
        List<URI> resources = new ArrayList<>();
        List<String> texts = s.stringList("resource");
        for (int i = 0; i < texts.size(); i++) {
            try {
                URI uri = new URI(texts.get(i).trim());
                if (!uri.isAbsolute() || uri.getRawFragment() != null) {
                    throw new URISyntaxException(texts.get(i), "not absolute or has a fragment");
                }
                resources.add(uri);
            } catch (URISyntaxException e) {
                throw s.error(s.pathOf("resource") + "[" + i + "]", "must be an absolute URI without a fragment (RFC 8707), got "
                        + ConfigSection.quote(texts.get(i)));
            }
        }
        return resources;
    }

    /** An optional {@code {type, config}} override of the default {@code oauth2} strategy, checked like a route's. */
    private static Optional<StrategySpec> strategy(ConfigSection s) throws ConfigException {
        Optional<String> type = s.optionalString("type");
        Map<String, String> config = s.stringMap("config");
        s.finish();
        if (type.isEmpty()) {
            if (!config.isEmpty()) {
                throw s.error(s.pathOf("type"), "required when " + s.pathOf("config") + " is set");
            }
            return Optional.empty();
        }
        StrategySpec spec = new StrategySpec(type.get().trim().toLowerCase(Locale.ROOT), config);
        try {
            Strategies.create(spec, StrategyOptions.DEFAULT);
        } catch (StrategyException e) {
            throw s.error(s.pathOf("type"), e.getMessage());
        }
        return Optional.of(spec);
    }

    /** Every connection assigned to {@code oauth2} has an OAuth 2 client, and no OAuth 2 client is assigned elsewhere. */
    static void checkAssignments(ConfigSection s, Map<String, NexusConfig.SourceType> connections,
                                 NexusConfig.OAuth2Authority oauth2) throws ConfigException {
        for (Map.Entry<String, NexusConfig.SourceType> entry : connections.entrySet()) {
            boolean hasClient = oauth2.connections().containsKey(entry.getKey());
            String at = s.pathOf("connections") + "." + entry.getKey();
            if (entry.getValue() == NexusConfig.SourceType.OAUTH2 && !hasClient) {
                throw s.error(at, "is oauth2, but authority.oauth2.connections has no entry " + ConfigSection.quote(entry.getKey()));
            }
            if (entry.getValue() != NexusConfig.SourceType.OAUTH2 && hasClient) {
                throw s.error(at, "is " + entry.getValue().name().toLowerCase(Locale.ROOT)
                        + ", but authority.oauth2.connections also defines it; a connection has one source");
            }
        }
    }
}
