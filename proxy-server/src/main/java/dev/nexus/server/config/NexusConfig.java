package dev.nexus.server.config;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.oauth2.ClientAuthentication;
import dev.nexus.proxy.credentials.oauth2.OAuth2Connection;
import dev.nexus.proxy.credentials.oauth2.OAuth2Grant;
import dev.nexus.proxy.credentials.oauth2.SecretSource;
import dev.nexus.proxy.credentials.reconsent.ReconsentSettings;
import dev.nexus.proxy.settings.Http2Limits;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy's whole configuration: immutable, typed, every field with a default, one nested record
 * per YAML section (YAML keys are the snake_case forms of the component names). Built by
 * {@link ConfigLoader}; {@link #defaults()} is what runs when no file is given.
 *
 * <p>Secrets are held as {@link Secret}, so {@code toString()} of any part is safe to log.
 * {@code docs/configuration.md} documents every field.
 */
public record NexusConfig(
        Listen listen,
        Admin admin,
        Transport transport,
        Limits limits,
        Timeouts timeouts,
        Upstream upstream,
        AccessLog accessLog,
        Policy policy,
        Authority authority,
        Redis redis,
        Tls tls,
        Transparent transparent,
        Identity identity,
        Audit audit) {

    private static final NexusConfig DEFAULTS = new NexusConfig(Listen.DEFAULT, Admin.DEFAULT, Transport.DEFAULT,
            Limits.DEFAULT, Timeouts.DEFAULT, Upstream.DEFAULT, AccessLog.DEFAULT, Policy.DEFAULT,
            Authority.DEFAULT, Redis.DEFAULT, Tls.DEFAULT, Transparent.DEFAULT, Identity.DEFAULT, Audit.DEFAULT);

    /** The embedded defaults: a proxy on 127.0.0.1:3128, admin on 127.0.0.1:9090, nothing else required. */
    public static NexusConfig defaults() {
        return DEFAULTS;
    }

    /** Where agents connect. {@code address} is an IP literal or {@code localhost}; port 0 picks a free port. */
    public record Listen(String address, int port) {
        public static final Listen DEFAULT = new Listen("127.0.0.1", 3128);
    }

    /** The admin HTTP listener; {@code token} is required when {@code address} is not loopback. */
    /**
     * The admin listener. Endpoints that read or change connection state always need a bearer token: {@code token}
     * when configured, else the one in {@code tokenFile} (generated there, mode 0600, on first start).
     */
    public record Admin(String address, int port, Optional<Secret> token, Path tokenFile) {
        public static final Admin DEFAULT = new Admin("127.0.0.1", 9090, Optional.empty(), Path.of("nexus-admin-token"));
        /** The shortest token accepted, configured or read from {@code tokenFile}. */
        public static final int MIN_TOKEN_LENGTH = 16;
    }

    public enum TransportType { AUTO, EPOLL, NIO }

    /** Netty transport; {@code eventLoopThreads} 0 means one I/O thread per available core. */
    public record Transport(TransportType type, int eventLoopThreads) {
        public static final Transport DEFAULT = new Transport(TransportType.AUTO, 0);
    }

    /**
     * HTTP/1.1 decoder limits on what agents send (beyond them the request gets 400), caps on open agent
     * connections per source address and in total (beyond them 503; 0 means no cap), and {@code http2}: the
     * limits on agents' HTTP/2 connections ({@code limits.http2}).
     */
    public record Limits(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize, int maxConnectionsPerSource,
                         int maxConnections, Http2Limits http2) {
        public static final Limits DEFAULT = new Limits(8192, 16384, 65536, 1024, 10_000, Http2Limits.defaults());
    }

    public record Timeouts(Duration connect, Duration requestHeader, Duration requestBody, Duration clientIdle,
                           Duration tunnelIdle, Duration response, Duration shutdownDrain) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofHours(1), Duration.ofSeconds(60),
                Duration.ofSeconds(10));
    }

    /**
     * Upstream connection pool ({@code uploadSharePercent}: the share of {@code maxConnectionsPerHost} that requests
     * still sending their body may hold), and {@code hosts}: fixed host-to-address overrides (lower-cased host
     * names), consulted before DNS, for tests and air-gapped setups; {@code hostsFile}: the hosts file read
     * (and re-read when it changes) before DNS, empty for the platform's.
     */
    public record Upstream(int maxConnectionsPerHost, int uploadSharePercent, Duration poolIdleTimeout,
                           Map<String, InetAddress> hosts, Optional<Path> hostsFile) {
        public static final Upstream DEFAULT = new Upstream(64, 50, Duration.ofSeconds(30), Map.of(), Optional.empty());

        public Upstream {
            hosts = Map.copyOf(hosts);
        }
    }

    public enum AccessLogTarget { STDOUT, STDERR, FILE }

    /** One JSON line per request; {@code path} is set exactly when {@code target} is FILE. */
    public record AccessLog(boolean enabled, AccessLogTarget target, Optional<Path> path, int queueSize) {
        public static final AccessLog DEFAULT = new AccessLog(true, AccessLogTarget.STDOUT, Optional.empty(), 8192);
    }

    /** Routing policy source; empty {@code path} means the embedded default policy. */
    public record Policy(Optional<Path> path, Duration pollInterval) {
        public static final Policy DEFAULT = new Policy(Optional.empty(), Duration.ofSeconds(1));
    }

    public enum AuthorityType { FILE, NEXUS }

    /** A source that can serve a connection named in {@code authority.connections}. */
    public enum SourceType { FILE, NEXUS, OAUTH2 }

    /**
     * Where credentials come from. {@code type} serves every connection not assigned elsewhere;
     * {@code connections} assigns connection ids to a source, and every connection in {@code oauth2.connections}
     * is served by the OAuth 2 source. Sections of sources that serve nothing are not used.
     */
    public record Authority(AuthorityType type, FileAuthority file, NexusAuthority nexus,
                            Map<String, SourceType> connections, OAuth2Authority oauth2, LeaseCache cache) {
        public static final Authority DEFAULT = new Authority(AuthorityType.FILE, FileAuthority.DEFAULT,
                NexusAuthority.DEFAULT, Map.of(), OAuth2Authority.DEFAULT, LeaseCache.DEFAULT);

        public Authority {
            connections = Collections.unmodifiableMap(new LinkedHashMap<>(connections));
        }

        /** The source serving {@code connectionId}. */
        public SourceType sourceOf(String connectionId) {
            if (oauth2.connections().containsKey(connectionId)) {
                return SourceType.OAUTH2;
            }
            return connections.getOrDefault(connectionId, type == AuthorityType.NEXUS ? SourceType.NEXUS : SourceType.FILE);
        }
    }

    /** OAuth 2 token endpoints for teams without an Authority: shared HTTP settings and one entry per connection. */
    public record OAuth2Authority(Duration connectTimeout, Duration timeout, Optional<Path> caFile,
                                  Map<String, OAuth2Client> connections) {
        public static final OAuth2Authority DEFAULT = new OAuth2Authority(Duration.ofSeconds(2), Duration.ofSeconds(5),
                Optional.empty(), Map.of());

        public OAuth2Authority {
            connections = Collections.unmodifiableMap(new LinkedHashMap<>(connections));
        }
    }

    /**
     * One connection's OAuth 2 client. The secret comes from {@code clientSecretFile} (read per request) or from
     * the environment variable {@code clientSecretEnv} (read at startup into {@code clientSecret}); neither is
     * allowed only for a public client on the refresh-token grant.
     */
    public record OAuth2Client(OAuth2Grant grant, URI tokenUrl, String clientId, Optional<Path> clientSecretFile,
                               Optional<String> clientSecretEnv, Optional<Secret> clientSecret,
                               ClientAuthentication authMethod, List<String> scopes, Optional<String> audience,
                               List<URI> resource, Optional<Path> refreshTokenFile, Optional<StrategySpec> strategy) {
        public OAuth2Client {
            scopes = List.copyOf(scopes);
            resource = List.copyOf(resource);
        }

        /**
         * The proxy-core description of this client for connection {@code connectionId}.
         *
         * @throws IllegalArgumentException when the fields do not make a usable client (the message says why)
         */
        public OAuth2Connection toConnection(String connectionId) {
            SecretSource secret = clientSecretFile.map(SecretSource::file).orElse(clientSecret
                    .map(value -> SecretSource.value(value.reveal(), "environment variable " + clientSecretEnv.orElse("?")))
                    .orElse(null));
            return new OAuth2Connection(connectionId, tokenUrl, grant, clientId, secret, authMethod, scopes,
                    audience.orElse(null), resource, refreshTokenFile.orElse(null), strategy.orElse(null));
        }
    }

    /** A local credentials file (development, single node). */
    public record FileAuthority(Path path, boolean allowInsecurePermissions) {
        public static final FileAuthority DEFAULT = new FileAuthority(Path.of("nexus-credentials.yaml"), false);
    }

    /**
     * A Nexus Authority's gateway API; {@code url} and {@code apiKey} are required when selected.
     *
     * @param reconsent when set, the proxy starts a new consent itself for the listed connections when they need
     *                  attention, hands its link to agents and switches to the new connection once approved
     */
    public record NexusAuthority(Optional<URI> url, Optional<Secret> apiKey, String apiKeyHeader, Optional<Path> caFile,
                                 Optional<Path> clientCert, Optional<Path> clientKey, Duration connectTimeout,
                                 Duration timeout, Optional<ReconsentSettings> reconsent) {
        public static final NexusAuthority DEFAULT = new NexusAuthority(Optional.empty(), Optional.empty(), "X-API-Key",
                Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(5),
                Optional.empty());
    }

    /** Lease cache lifecycle; {@code maxAge} 5 minutes for answers without expiry, as protocol 0.4's reference SDK. */
    public record LeaseCache(Duration safetyMargin, double refreshAheadFraction, Duration maxAge, Duration negativeTtl) {
        public static final LeaseCache DEFAULT = new LeaseCache(Duration.ofSeconds(30), 0.8, Duration.ofMinutes(5),
                Duration.ofSeconds(10));
    }

    /**
     * Shared lease store. Empty {@code url} means in-process only. {@code encryptionKeys} maps key ids to
     * base64 AES-256 keys; {@code activeKeyId} (always one of them when keys are set) encrypts new records.
     */
    public record Redis(Optional<Secret> url, boolean cluster, Map<String, Secret> encryptionKeys,
                        Optional<String> activeKeyId, String namespace) {
        public static final Redis DEFAULT = new Redis(Optional.empty(), false, Map.of(), Optional.empty(), "nexus:");

        public Redis {
            encryptionKeys = Map.copyOf(encryptionKeys);
        }
    }

    /**
     * A listener for traffic that iptables redirected from an agent's network namespace (transparent mode);
     * {@code originalPort} is the port that traffic was sent to.
     *
     * @param addresses where it listens, each address on {@code port}. Unset means {@link #LOOPBACKS}, where
     *                  REDIRECT delivers IPv4 and IPv6 traffic, with ::1 left out on a host without IPv6
     *                  loopback; addresses given explicitly are all bound or startup fails.
     */
    public record TransparentListener(boolean enabled, Optional<List<String>> addresses, int port, int originalPort) {
        public static final List<String> LOOPBACKS = List.of("127.0.0.1", "::1");

        public TransparentListener {
            addresses = addresses.map(List::copyOf);
        }
    }

    /** Transparent mode: plain HTTP routed by Host header, TLS routed by SNI. Off unless enabled. */
    public record Transparent(TransparentListener http, TransparentListener tls) {
        public static final Transparent DEFAULT = new Transparent(
                new TransparentListener(false, Optional.empty(), 15080, 80),
                new TransparentListener(false, Optional.empty(), 15443, 443));
    }

    public enum LeafKeyType { ECDSA, RSA }

    public enum TlsProvider { AUTO, OPENSSL, JDK }

    /**
     * TLS interception. The CA lives in {@code caDir} unless {@code caCert}/{@code caKey} name files
     * (both or neither, same for the {@code next} pair used for rotation).
     */
    public record Tls(Path caDir, Optional<Path> caCert, Optional<Path> caKey, Optional<Path> nextCaCert,
                      Optional<Path> nextCaKey, LeafKeyType leafKeyType, Duration leafValidity, int leafCacheSize,
                      Optional<Path> upstreamCaBundle, TlsProvider provider) {
        public static final Tls DEFAULT = new Tls(Path.of("nexus-ca"), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), LeafKeyType.ECDSA, Duration.ofHours(24), 1_000, Optional.empty(),
                TlsProvider.AUTO);
    }

    public enum IdentityMethod { PROXY_AUTH, MTLS, SOURCE, ANONYMOUS }

    /**
     * Who agents are. {@code methods} are tried in order, first match wins; empty means identity is not
     * enforced (every request is the anonymous agent, as before identities existed). Each method's own
     * fields are required exactly when it is listed.
     *
     * @param agentsFile   {@code proxy_auth}: agent names and PBKDF2 hashes
     * @param authThreads  {@code proxy_auth}: threads verifying hashes (off the event loops)
     * @param authCacheSize {@code proxy_auth}: recently verified credentials remembered (by SHA-256)
     * @param authCacheTtl {@code proxy_auth}: how long a verified credential is remembered
     * @param sources      {@code source}: client address or CIDR to identity name
     * @param spiffeIds    SPIFFE IDs or patterns that get their own per-agent metric label
     */
    public record Identity(List<IdentityMethod> methods, Optional<Path> agentsFile, int authThreads, int authCacheSize,
                           Duration authCacheTtl, Map<String, String> sources, Mtls mtls, List<String> spiffeIds) {
        public static final Identity DEFAULT = new Identity(List.of(), Optional.empty(), 2, 10_000,
                Duration.ofMinutes(5), Map.of(), Mtls.DEFAULT, List.of());

        public Identity {
            methods = List.copyOf(methods);
            sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
            spiffeIds = List.copyOf(spiffeIds);
        }

        /** Whether identity is enforced at all. */
        public boolean enabled() {
            return !methods.isEmpty();
        }
    }

    /** The TLS proxy listener for {@code mtls}: the proxy's certificate and key, and the CAs that sign agent certificates. */
    public record Mtls(Optional<Path> certificate, Optional<Path> key, Optional<Path> trustBundle) {
        public static final Mtls DEFAULT = new Mtls(Optional.empty(), Optional.empty(), Optional.empty());
    }

    public enum AuditTarget { STDOUT, FILE }

    /**
     * The audit trail: one JSON line per decision that touches a credential or refuses an agent.
     * {@code path} is set exactly when {@code target} is FILE; files rotate at {@code maxFileBytes},
     * keeping {@code maxFiles} in total.
     */
    public record Audit(boolean enabled, AuditTarget target, Optional<Path> path, int maxFileBytes, int maxFiles,
                        int queueSize) {
        public static final Audit DEFAULT = new Audit(true, AuditTarget.STDOUT, Optional.empty(), 100 * 1024 * 1024, 5, 8192);
    }
}
