package dev.nexus.server.runtime;

import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.SourcesByConnection;
import dev.nexus.proxy.credentials.file.FileCredentialSource;
import dev.nexus.proxy.credentials.http.TlsFiles;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySettings;
import dev.nexus.proxy.credentials.nexus.NexusAuthoritySource;
import dev.nexus.proxy.credentials.oauth2.OAuth2Connection;
import dev.nexus.proxy.credentials.oauth2.OAuth2CredentialSource;
import dev.nexus.server.config.NexusConfig;
import dev.nexus.server.config.NexusConfig.SourceType;
import dev.nexus.server.config.Secret;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Builds the credential source of the {@code authority} section: the source named by {@code type} alone (as
 * before per-connection sources existed), or, when {@code authority.connections} or {@code authority.oauth2}
 * assign connections elsewhere, a {@link SourcesByConnection} over every source some connection uses, each
 * built once.
 */
final class CredentialSources {

    private static final Logger LOG = Logger.getLogger(CredentialSources.class.getName());

    private final NexusConfig.Authority authority;
    private final PrometheusRegistry registry;
    private final Map<SourceType, CredentialSource> built = new EnumMap<>(SourceType.class);

    private CredentialSources(NexusConfig.Authority authority, PrometheusRegistry registry) {
        this.authority = authority;
        this.registry = registry;
    }

    /**
     * The built source and, when some connection uses it, the Nexus Authority among its backends (re-consent
     * calls it directly).
     */
    record Built(CredentialSource source, Optional<NexusAuthoritySource> authority) {
    }

    static Built build(NexusConfig.Authority authority, PrometheusRegistry registry) throws IOException {
        CredentialSources sources = new CredentialSources(authority, registry);
        try {
            CredentialSource source = sources.build();
            return new Built(source, Optional.ofNullable((NexusAuthoritySource) sources.built.get(SourceType.NEXUS)));
        } catch (IOException | RuntimeException e) {
            sources.built.values().forEach(CredentialSource::close);
            throw e;
        }
    }

    /**
     * Checks, writing nothing, the local credential file when a connection may use it and it exists
     * (permissions and content); an absent file passes, it is created empty on first start.
     *
     * @throws dev.nexus.proxy.credentials.file.CredentialFileException naming the file and the problem
     */
    static void verify(NexusConfig.Authority authority) {
        boolean fileUsed = authority.type() != NexusConfig.AuthorityType.NEXUS
                || authority.connections().containsValue(SourceType.FILE);
        NexusConfig.FileAuthority file = authority.file();
        if (fileUsed && Files.exists(file.path())) {
            FileCredentialSource.verify(file.path(), file.allowInsecurePermissions());
        }
    }

    private CredentialSource build() throws IOException {
        SourceType defaultType = authority.type() == NexusConfig.AuthorityType.NEXUS ? SourceType.NEXUS : SourceType.FILE;
        CredentialSource fallback = source(defaultType);
        Map<String, CredentialSource> assigned = new LinkedHashMap<>();
        for (Map.Entry<String, SourceType> entry : authority.connections().entrySet()) {
            assigned.put(entry.getKey(), source(entry.getValue()));
        }
        for (String connectionId : authority.oauth2().connections().keySet()) {
            assigned.put(connectionId, source(SourceType.OAUTH2));
        }
        if (assigned.isEmpty()) {
            return fallback;
        }
        LOG.info(() -> "credential sources per connection: " + describe(assigned) + "; every other connection: "
                + defaultType.name().toLowerCase(java.util.Locale.ROOT));
        return new SourcesByConnection(assigned, fallback);
    }

    private CredentialSource source(SourceType type) throws IOException {
        CredentialSource existing = built.get(type);
        if (existing != null) {
            return existing;
        }
        CredentialSource source = switch (type) {
            case NEXUS -> nexus(authority.nexus());
            case FILE -> file(authority.file());
            case OAUTH2 -> oauth2(authority.oauth2());
        };
        built.put(type, source);
        return source;
    }

    private NexusAuthoritySource nexus(NexusConfig.NexusAuthority nexus) {
        NexusAuthoritySettings settings = NexusAuthoritySettings
                .of(nexus.url().orElseThrow(), nexus.apiKey().map(Secret::reveal).orElseThrow())
                .withApiKeyHeader(nexus.apiKeyHeader())
                .withTimeouts(nexus.connectTimeout(), nexus.timeout())
                .withTls(nexus.caFile().orElse(null), nexus.clientCert().orElse(null), nexus.clientKey().orElse(null));
        LOG.info(() -> "credentials from the Nexus Authority at " + nexus.url().orElseThrow());
        return new NexusAuthoritySource(settings, registry);
    }

    private static FileCredentialSource file(NexusConfig.FileAuthority file) throws IOException {
        if (Files.notExists(file.path())) {
            createEmptyCredentialFile(file.path());
        }
        return new FileCredentialSource(file.path(), file.allowInsecurePermissions());
    }

    private static OAuth2CredentialSource oauth2(NexusConfig.OAuth2Authority oauth2) {
        List<OAuth2Connection> connections = new ArrayList<>();
        oauth2.connections().forEach((id, client) -> connections.add(client.toConnection(id)));
        TlsFiles tls = new TlsFiles("oauth2 token endpoint", oauth2.caFile().orElse(null), null, null);
        return new OAuth2CredentialSource(connections, oauth2.connectTimeout(), oauth2.timeout(), tls, Clock.systemUTC());
    }

    /** First start on embedded defaults: an empty credential file, private to this user from its creation. */
    private static void createEmptyCredentialFile(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, """
                # nexus-proxy local credentials (development, single node). Created empty on first start.
                # Map connection ids (named by inject routes) to a strategy and credentials, e.g.:
                #
                # github:
                #   strategy: {type: header, config: {header_name: Authorization, value_prefix: "Bearer "}}
                #   credentials: {api_key: "ghp_..."}
                #   expires_at: 2030-01-01T00:00:00Z   # optional
                {}
                """);
        LOG.warning(() -> "created empty credential file " + file.toAbsolutePath()
                + " (0600); add connections to it for inject routes");
    }

    private static String describe(Map<String, CredentialSource> assigned) {
        StringBuilder out = new StringBuilder();
        assigned.forEach((id, source) -> out.append(out.length() == 0 ? "" : ", ").append(id).append(" -> ")
                .append(source.getClass().getSimpleName()));
        return out.toString();
    }
}
