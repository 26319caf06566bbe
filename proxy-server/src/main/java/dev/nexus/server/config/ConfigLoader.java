package dev.nexus.server.config;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.nexus.policy.pattern.AgentPattern;
import dev.nexus.policy.pattern.PatternException;
import dev.nexus.proxy.credentials.reconsent.ReconsentSettings;
import dev.nexus.proxy.identity.SourceIdentities;
import dev.nexus.proxy.settings.Http2Limits;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the YAML configuration file into a validated {@link NexusConfig}. Each section has one
 * {@code bindX} method; defaults come from the records' {@code DEFAULT} constants, so this class
 * only knows names, ranges and cross-field rules. Every problem in the file is reported at once
 * ({@link ConfigProblems}): each field's own, and each section's first cross-field rule.
 */
public final class ConfigLoader {

    private static final Duration ONE_MS = Duration.ofMillis(1);
    private static final Duration ONE_DAY = Duration.ofDays(1);
    private static final int AES_256_KEY_BYTES = 32;

    private final EnvSubstitution env;
    private final YAMLFactory yamlFactory = new YAMLFactory();
    private final YAMLMapper yaml;

    /** @param environment looks up environment variables (normally {@code System::getenv}) */
    public ConfigLoader(Function<String, String> environment) {
        this.env = new EnvSubstitution(environment);
        this.yaml = YAMLMapper.builder(yamlFactory)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /** Loads and validates {@code file}; the message of the exception names {@code file} as given. */
    public NexusConfig load(Path file) throws ConfigException {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source + ": cannot read: no such file");
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read: " + e.getMessage());
        }
        return parse(source, text);
    }

    /**
     * Reads configuration text, e.g. from tests: {@code loader.parse("test", "listen: {port: 0}")}.
     *
     * @param source names the text in error messages, like a file name
     */
    public NexusConfig parse(String source, String yamlText) throws ConfigException {
        JsonNode root;
        try {
            root = yaml.readTree(yamlText);
        } catch (JsonProcessingException e) {
            throw invalidYaml(source, e);
        }
        return bind(source, root, YamlLines.of(yamlFactory, yamlText));
    }

    private static ConfigException invalidYaml(String source, JsonProcessingException e) {
        var location = e.getLocation();
        String where = location == null ? "" : "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
        return new ConfigException(source + ": " + where + "invalid YAML: " + firstLine(e.getOriginalMessage()));
    }

    /** Binds an already parsed document; {@code source} prefixes error messages. */
    private NexusConfig bind(String source, JsonNode root, YamlLines lines) throws ConfigException {
        if (root != null && !root.isMissingNode() && !root.isNull() && !root.isObject()) {
            throw new ConfigException(source + ": must be a YAML mapping of sections (listen, admin, ...)");
        }
        ConfigProblems problems = new ConfigProblems(source, lines);
        ConfigSection top = new ConfigSection(problems, "", root, env);
        NexusConfig d = NexusConfig.defaults();
        NexusConfig config = new NexusConfig(
                problems.attempt(() -> bindListen(top.section("listen")), d.listen()),
                problems.attempt(() -> bindAdmin(top.section("admin")), d.admin()),
                problems.attempt(() -> bindTransport(top.section("transport")), d.transport()),
                problems.attempt(() -> bindLimits(top.section("limits")), d.limits()),
                problems.attempt(() -> bindTimeouts(top.section("timeouts")), d.timeouts()),
                problems.attempt(() -> bindUpstream(top.section("upstream")), d.upstream()),
                problems.attempt(() -> bindAccessLog(top.section("access_log")), d.accessLog()),
                problems.attempt(() -> bindPolicy(top.section("policy")), d.policy()),
                problems.attempt(() -> bindAuthority(top.section("authority")), d.authority()),
                problems.attempt(() -> bindRedis(top.section("redis")), d.redis()),
                problems.attempt(() -> bindTls(top.section("tls")), d.tls()),
                problems.attempt(() -> bindTransparent(top.section("transparent")), d.transparent()),
                problems.attempt(() -> bindIdentity(top.section("identity")), d.identity()),
                problems.attempt(() -> bindAudit(top.section("audit")), d.audit()));
        top.finish();
        problems.throwIfAny();
        requireDistinctPorts(top, config.listen(), config.admin());
        return config;
    }

    private static NexusConfig.Listen bindListen(ConfigSection s) throws ConfigException {
        NexusConfig.Listen d = NexusConfig.Listen.DEFAULT;
        var listen = new NexusConfig.Listen(s.address("address", d.address()), port(s, d.port()));
        s.finish();
        return listen;
    }

    private static NexusConfig.Admin bindAdmin(ConfigSection s) throws ConfigException {
        NexusConfig.Admin d = NexusConfig.Admin.DEFAULT;
        String address = s.address("address", d.address());
        int port = port(s, d.port());
        Optional<Secret> token = s.secret("token");
        Optional<Path> tokenFile = s.optionalPath("token_file");
        s.finish();
        if (token.isPresent() && tokenFile.isPresent()) {
            throw s.error(s.pathOf("token_file"), "set either " + s.pathOf("token") + " or " + s.pathOf("token_file")
                    + ", not both");
        }
        if (token.isPresent() && token.get().reveal().length() < NexusConfig.Admin.MIN_TOKEN_LENGTH) {
            throw s.error(s.pathOf("token"), "must be at least " + NexusConfig.Admin.MIN_TOKEN_LENGTH + " characters");
        }
        return new NexusConfig.Admin(address, port, token, tokenFile.orElse(d.tokenFile()));
    }

    private static NexusConfig.Transport bindTransport(ConfigSection s) throws ConfigException {
        NexusConfig.Transport d = NexusConfig.Transport.DEFAULT;
        var transport = new NexusConfig.Transport(s.choice("type", d.type()),
                s.integer("event_loop_threads", d.eventLoopThreads(), 0, 1024));
        s.finish();
        return transport;
    }

    private static NexusConfig.Limits bindLimits(ConfigSection s) throws ConfigException {
        NexusConfig.Limits d = NexusConfig.Limits.DEFAULT;
        var limits = new NexusConfig.Limits(
                s.integer("max_initial_line_length", d.maxInitialLineLength(), 256, 1 << 20),
                s.integer("max_header_size", d.maxHeaderSize(), 1024, 1 << 20),
                s.integer("max_chunk_size", d.maxChunkSize(), 1024, 16 << 20),
                s.integer("max_connections_per_source", d.maxConnectionsPerSource(), 0, 1_000_000),
                s.integer("max_connections", d.maxConnections(), 0, 1_000_000),
                bindHttp2Limits(s.section("http2")));
        s.finish();
        return limits;
    }

    private static Http2Limits bindHttp2Limits(ConfigSection s) throws ConfigException {
        Http2Limits d = Http2Limits.defaults();
        var limits = new Http2Limits(
                s.integer("max_concurrent_streams", d.maxConcurrentStreams(), 1, 10_000),
                s.integer("max_header_list_size", d.maxHeaderListSize(), 1024, 1 << 20),
                s.integer("stream_window_bytes", d.streamWindowBytes(), 16_384, Integer.MAX_VALUE),
                s.integer("max_resets_per_window", d.maxResetsPerWindow(), 1, 1_000_000),
                s.duration("reset_window", d.resetWindow(), Duration.ofSeconds(1), Duration.ofHours(1)),
                s.integer("max_continuation_frames", d.maxContinuationFrames(), 1, 10_000),
                s.integer("max_empty_data_frames", d.maxEmptyDataFrames(), 1, 10_000),
                s.integer("max_queued_control_frames", d.maxQueuedControlFrames(), 1, 1_000_000),
                s.integer("max_pings_per_window", d.maxPingsPerWindow(), 1, 1_000_000),
                s.integer("max_settings_per_window", d.maxSettingsPerWindow(), 1, 1_000_000),
                s.duration("control_frame_window", d.controlFrameWindow(), Duration.ofSeconds(1), Duration.ofHours(1)));
        s.finish();
        return limits;
    }

    private static NexusConfig.Timeouts bindTimeouts(ConfigSection s) throws ConfigException {
        NexusConfig.Timeouts d = NexusConfig.Timeouts.DEFAULT;
        var timeouts = new NexusConfig.Timeouts(
                s.duration("connect", d.connect(), ONE_MS, Duration.ofMinutes(10)),
                s.duration("request_header", d.requestHeader(), ONE_MS, Duration.ofMinutes(10)),
                s.duration("request_body", d.requestBody(), ONE_MS, ONE_DAY),
                s.duration("client_idle", d.clientIdle(), ONE_MS, ONE_DAY),
                s.duration("tunnel_idle", d.tunnelIdle(), ONE_MS, ONE_DAY),
                s.duration("response", d.response(), ONE_MS, ONE_DAY),
                s.duration("shutdown_drain", d.shutdownDrain(), Duration.ZERO, Duration.ofHours(1)));
        s.finish();
        return timeouts;
    }

    private static NexusConfig.Upstream bindUpstream(ConfigSection s) throws ConfigException {
        NexusConfig.Upstream d = NexusConfig.Upstream.DEFAULT;
        int maxPerHost = s.integer("max_connections_per_host", d.maxConnectionsPerHost(), 1, 100_000);
        int uploadShare = s.integer("upload_share_percent", d.uploadSharePercent(), 1, 100);
        Duration idle = s.duration("pool_idle_timeout", d.poolIdleTimeout(), ONE_MS, ONE_DAY);
        Map<String, InetAddress> hosts = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : s.stringMap("hosts").entrySet()) {
            InetAddress address = ConfigSection.ipLiteral(entry.getValue().trim());
            if (address == null) {
                throw s.error(s.pathOf("hosts") + "." + entry.getKey(),
                        "must be an IP address, got " + ConfigSection.quote(entry.getValue()));
            }
            hosts.put(normaliseHost(entry.getKey()), address);
        }
        Optional<Path> hostsFile = s.optionalPath("hosts_file");
        s.finish();
        return new NexusConfig.Upstream(maxPerHost, uploadShare, idle, hosts, hostsFile);
    }

    private static NexusConfig.AccessLog bindAccessLog(ConfigSection s) throws ConfigException {
        NexusConfig.AccessLog d = NexusConfig.AccessLog.DEFAULT;
        boolean enabled = s.bool("enabled", d.enabled());
        NexusConfig.AccessLogTarget target = s.choice("target", d.target());
        Optional<Path> path = s.optionalPath("path");
        int queueSize = s.integer("queue_size", d.queueSize(), 16, 1 << 20);
        s.finish();
        if (target == NexusConfig.AccessLogTarget.FILE && path.isEmpty()) {
            throw s.error(s.pathOf("path"), "required when " + s.pathOf("target") + " is file");
        }
        if (target != NexusConfig.AccessLogTarget.FILE && path.isPresent()) {
            throw s.error(s.pathOf("path"), "only allowed when " + s.pathOf("target") + " is file");
        }
        return new NexusConfig.AccessLog(enabled, target, path, queueSize);
    }

    private static NexusConfig.Policy bindPolicy(ConfigSection s) throws ConfigException {
        NexusConfig.Policy d = NexusConfig.Policy.DEFAULT;
        var policy = new NexusConfig.Policy(s.optionalPath("path"),
                s.duration("poll_interval", d.pollInterval(), Duration.ofMillis(100), Duration.ofHours(1)));
        s.finish();
        return policy;
    }

    private static NexusConfig.Authority bindAuthority(ConfigSection s) throws ConfigException {
        NexusConfig.Authority d = NexusConfig.Authority.DEFAULT;
        NexusConfig.AuthorityType type = s.choice("type", d.type());
        Map<String, NexusConfig.SourceType> connections = OAuth2ConfigBinder.bindConnections(s);
        NexusConfig.FileAuthority file = bindFileAuthority(s.section("file"));
        ConfigSection nexusSection = s.section("nexus");
        NexusConfig.NexusAuthority nexus = bindNexusAuthority(nexusSection, nexusRequiredBy(type, connections));
        NexusConfig.OAuth2Authority oauth2 = OAuth2ConfigBinder.bindOAuth2(s.section("oauth2"));
        NexusConfig.LeaseCache cache = bindLeaseCache(s.section("cache"));
        s.finish();
        OAuth2ConfigBinder.checkAssignments(s, connections, oauth2);
        var authority = new NexusConfig.Authority(type, file, nexus, connections, oauth2, cache);
        ReconsentConfigBinder.checkServedByAuthority(nexusSection, authority);
        return authority;
    }

    /** Why the nexus section's url and api_key are required, or {@code null} when no connection uses the Authority. */
    private static String nexusRequiredBy(NexusConfig.AuthorityType type, Map<String, NexusConfig.SourceType> connections) {
        if (type == NexusConfig.AuthorityType.NEXUS) {
            return "authority.type is nexus";
        }
        return connections.entrySet().stream().filter(e -> e.getValue() == NexusConfig.SourceType.NEXUS).findFirst()
                .map(e -> "authority.connections." + e.getKey() + " is nexus").orElse(null);
    }

    private static NexusConfig.FileAuthority bindFileAuthority(ConfigSection s) throws ConfigException {
        NexusConfig.FileAuthority d = NexusConfig.FileAuthority.DEFAULT;
        var file = new NexusConfig.FileAuthority(s.path("path", d.path()),
                s.bool("allow_insecure_permissions", d.allowInsecurePermissions()));
        s.finish();
        return file;
    }

    private static NexusConfig.NexusAuthority bindNexusAuthority(ConfigSection s, String requiredBecause) throws ConfigException {
        NexusConfig.NexusAuthority d = NexusConfig.NexusAuthority.DEFAULT;
        Optional<URI> url = httpUrl(s, "url");
        Optional<Secret> apiKey = s.secret("api_key");
        String apiKeyHeader = s.string("api_key_header", d.apiKeyHeader());
        Optional<Path> caFile = s.optionalPath("ca_file");
        Optional<Path> clientCert = s.optionalPath("client_cert");
        Optional<Path> clientKey = s.optionalPath("client_key");
        Duration connectTimeout = s.duration("connect_timeout", d.connectTimeout(), ONE_MS, Duration.ofMinutes(5));
        Duration timeout = s.duration("timeout", d.timeout(), ONE_MS, Duration.ofMinutes(5));
        Optional<ReconsentSettings> reconsent = ReconsentConfigBinder.bind(s.section("reconsent"));
        s.finish();
        if (requiredBecause != null && url.isEmpty()) {
            throw s.error(s.pathOf("url"), "required when " + requiredBecause);
        }
        if (requiredBecause != null && apiKey.isEmpty()) {
            throw s.error(s.pathOf("api_key"), "required when " + requiredBecause);
        }
        if (!isToken(apiKeyHeader)) {
            throw s.error(s.pathOf("api_key_header"), "must be an HTTP header name, got " + ConfigSection.quote(apiKeyHeader));
        }
        requirePair(s, "client_cert", clientCert, "client_key", clientKey);
        return new NexusConfig.NexusAuthority(url, apiKey, apiKeyHeader, caFile, clientCert, clientKey, connectTimeout,
                timeout, reconsent);
    }

    private static NexusConfig.LeaseCache bindLeaseCache(ConfigSection s) throws ConfigException {
        NexusConfig.LeaseCache d = NexusConfig.LeaseCache.DEFAULT;
        var cache = new NexusConfig.LeaseCache(
                s.duration("safety_margin", d.safetyMargin(), Duration.ZERO, Duration.ofHours(1)),
                s.fraction("refresh_ahead_fraction", d.refreshAheadFraction()),
                s.duration("max_age", d.maxAge(), Duration.ofSeconds(1), ONE_DAY),
                s.duration("negative_ttl", d.negativeTtl(), Duration.ZERO, ONE_DAY));
        s.finish();
        return cache;
    }

    private static NexusConfig.Redis bindRedis(ConfigSection s) throws ConfigException {
        NexusConfig.Redis d = NexusConfig.Redis.DEFAULT;
        Optional<Secret> url = s.optionalString("url").map(Secret::url);
        boolean cluster = s.bool("cluster", d.cluster());
        Map<String, Secret> keys = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : s.stringMap("encryption_keys").entrySet()) {
            keys.put(entry.getKey(), encryptionKey(s, entry.getKey(), entry.getValue()));
        }
        Optional<String> activeKeyId = s.optionalString("active_key_id");
        String namespace = s.string("namespace", d.namespace());
        s.finish();

        if (url.isPresent()) {
            String scheme = url.get().reveal().toLowerCase(Locale.ROOT);
            if (!(scheme.startsWith("redis://") || scheme.startsWith("rediss://")
                    || scheme.startsWith("redis-sentinel://") || scheme.startsWith("rediss-sentinel://"))) {
                throw s.error(s.pathOf("url"), "must start with redis://, rediss://, redis-sentinel:// or "
                        + "rediss-sentinel://, got " + ConfigSection.quote(url.get().toString()));
            }
            if (keys.isEmpty()) {
                throw s.error(s.pathOf("encryption_keys"), "required when redis.url is set (leases in Redis are encrypted)");
            }
        }
        if (activeKeyId.isPresent() && !keys.containsKey(activeKeyId.get())) {
            throw s.error(s.pathOf("active_key_id"), ConfigSection.quote(activeKeyId.get())
                    + " is not a key of redis.encryption_keys (" + String.join(", ", keys.keySet()) + ")");
        }
        if (activeKeyId.isEmpty() && keys.size() > 1) {
            throw s.error(s.pathOf("active_key_id"), "required when redis.encryption_keys has more than one key");
        }
        Optional<String> active = activeKeyId.or(() -> keys.keySet().stream().findFirst());
        return new NexusConfig.Redis(url, cluster, keys, active, namespace);
    }

    private static NexusConfig.Tls bindTls(ConfigSection s) throws ConfigException {
        NexusConfig.Tls d = NexusConfig.Tls.DEFAULT;
        Path caDir = s.path("ca_dir", d.caDir());
        Optional<Path> caCert = s.optionalPath("ca_cert");
        Optional<Path> caKey = s.optionalPath("ca_key");
        Optional<Path> nextCaCert = s.optionalPath("next_ca_cert");
        Optional<Path> nextCaKey = s.optionalPath("next_ca_key");
        NexusConfig.LeafKeyType leafKeyType = s.choice("leaf_key_type", d.leafKeyType());
        Duration leafValidity = s.duration("leaf_validity", d.leafValidity(), Duration.ofMinutes(5), Duration.ofDays(397));
        int leafCacheSize = s.integer("leaf_cache_size", d.leafCacheSize(), 1, 10_000_000);
        Optional<Path> upstreamCaBundle = s.optionalPath("upstream_ca_bundle");
        NexusConfig.TlsProvider provider = s.choice("provider", d.provider());
        s.finish();
        requirePair(s, "ca_cert", caCert, "ca_key", caKey);
        requirePair(s, "next_ca_cert", nextCaCert, "next_ca_key", nextCaKey);
        return new NexusConfig.Tls(caDir, caCert, caKey, nextCaCert, nextCaKey, leafKeyType, leafValidity,
                leafCacheSize, upstreamCaBundle, provider);
    }

    private static NexusConfig.Identity bindIdentity(ConfigSection s) throws ConfigException {
        NexusConfig.Identity d = NexusConfig.Identity.DEFAULT;
        List<NexusConfig.IdentityMethod> methods = identityMethods(s);
        Optional<Path> agentsFile = s.optionalPath("agents_file");
        int authThreads = s.integer("auth_threads", d.authThreads(), 1, 64);
        int authCacheSize = s.integer("auth_cache_size", d.authCacheSize(), 1, 10_000_000);
        Duration authCacheTtl = s.duration("auth_cache_ttl", d.authCacheTtl(), Duration.ofSeconds(1), ONE_DAY);
        Map<String, String> sources = s.stringMap("sources");
        NexusConfig.Mtls mtls = bindMtls(s.section("mtls"), methods.contains(NexusConfig.IdentityMethod.MTLS));
        List<String> spiffeIds = s.stringList("spiffe_ids");
        s.finish();
        boolean proxyAuth = methods.contains(NexusConfig.IdentityMethod.PROXY_AUTH);
        if (proxyAuth && agentsFile.isEmpty()) {
            throw s.error(s.pathOf("agents_file"), "required when " + s.pathOf("methods") + " contains proxy_auth");
        }
        if (!proxyAuth && agentsFile.isPresent()) {
            throw s.error(s.pathOf("agents_file"), "only used when " + s.pathOf("methods") + " contains proxy_auth");
        }
        boolean source = methods.contains(NexusConfig.IdentityMethod.SOURCE);
        if (source && sources.isEmpty()) {
            throw s.error(s.pathOf("sources"), "required when " + s.pathOf("methods")
                    + " contains source (client address or CIDR: identity name)");
        }
        if (!source && !sources.isEmpty()) {
            throw s.error(s.pathOf("sources"), "only used when " + s.pathOf("methods") + " contains source");
        }
        for (Map.Entry<String, String> entry : sources.entrySet()) {
            String problem = SourceIdentities.problemWith(entry.getKey(), entry.getValue());
            if (problem != null) {
                throw s.error(s.pathOf("sources") + "." + entry.getKey(), problem);
            }
        }
        for (int i = 0; i < spiffeIds.size(); i++) {
            try {
                AgentPattern.parse(spiffeIds.get(i));
            } catch (PatternException e) {
                throw s.error(s.pathOf("spiffe_ids") + "[" + i + "]", e.getMessage());
            }
        }
        return new NexusConfig.Identity(methods, agentsFile, authThreads, authCacheSize, authCacheTtl, sources, mtls,
                spiffeIds);
    }

    private static List<NexusConfig.IdentityMethod> identityMethods(ConfigSection s) throws ConfigException {
        List<NexusConfig.IdentityMethod> methods = new ArrayList<>();
        List<String> names = s.stringList("methods");
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).trim();
            String at = s.pathOf("methods") + "[" + i + "]";
            NexusConfig.IdentityMethod method;
            try {
                method = NexusConfig.IdentityMethod.valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw s.error(at, "must be one of proxy_auth, mtls, source, anonymous, got " + ConfigSection.quote(name));
            }
            if (methods.contains(method)) {
                throw s.error(at, name + " is listed twice");
            }
            if (methods.contains(NexusConfig.IdentityMethod.ANONYMOUS)) {
                throw s.error(at, name + " never runs: anonymous before it matches every agent (put anonymous last)");
            }
            methods.add(method);
        }
        return methods;
    }

    private static NexusConfig.Mtls bindMtls(ConfigSection s, boolean selected) throws ConfigException {
        var mtls = new NexusConfig.Mtls(s.optionalPath("certificate"), s.optionalPath("key"), s.optionalPath("trust_bundle"));
        s.finish();
        if (selected) {
            for (String key : List.of("certificate", "key", "trust_bundle")) {
                boolean present = switch (key) {
                    case "certificate" -> mtls.certificate().isPresent();
                    case "key" -> mtls.key().isPresent();
                    default -> mtls.trustBundle().isPresent();
                };
                if (!present) {
                    throw s.error(s.pathOf(key), "required when identity.methods contains mtls");
                }
            }
        } else if (mtls.certificate().isPresent() || mtls.key().isPresent() || mtls.trustBundle().isPresent()) {
            throw s.error(s.pathOf("certificate"), "the mtls section is only used when identity.methods contains mtls");
        }
        return mtls;
    }

    private static NexusConfig.Audit bindAudit(ConfigSection s) throws ConfigException {
        NexusConfig.Audit d = NexusConfig.Audit.DEFAULT;
        boolean enabled = s.bool("enabled", d.enabled());
        NexusConfig.AuditTarget target = s.choice("target", d.target());
        Optional<Path> path = s.optionalPath("path");
        int maxFileBytes = s.integer("max_file_bytes", d.maxFileBytes(), 1024, Integer.MAX_VALUE);
        int maxFiles = s.integer("max_files", d.maxFiles(), 1, 1000);
        int queueSize = s.integer("queue_size", d.queueSize(), 16, 1 << 20);
        s.finish();
        if (target == NexusConfig.AuditTarget.FILE && path.isEmpty()) {
            throw s.error(s.pathOf("path"), "required when " + s.pathOf("target") + " is file");
        }
        if (target != NexusConfig.AuditTarget.FILE && path.isPresent()) {
            throw s.error(s.pathOf("path"), "only allowed when " + s.pathOf("target") + " is file");
        }
        return new NexusConfig.Audit(enabled, target, path, maxFileBytes, maxFiles, queueSize);
    }

    /** The admin listener cannot share the proxy's port; port 0 (any free port) never clashes. */
    private static void requireDistinctPorts(ConfigSection top, NexusConfig.Listen listen, NexusConfig.Admin admin)
            throws ConfigException {
        boolean overlapping = listen.address().equalsIgnoreCase(admin.address())
                || isWildcard(listen.address()) || isWildcard(admin.address());
        if (listen.port() != 0 && listen.port() == admin.port() && overlapping) {
            throw top.error("admin.port", "must differ from listen.port (both " + listen.port() + ")");
        }
    }

    private static boolean isWildcard(String address) {
        InetAddress literal = ConfigSection.ipLiteral(address);
        return literal != null && literal.isAnyLocalAddress();
    }

    private static NexusConfig.Transparent bindTransparent(ConfigSection s) throws ConfigException {
        NexusConfig.Transparent d = NexusConfig.Transparent.DEFAULT;
        var transparent = new NexusConfig.Transparent(
                bindTransparentListener(s.section("http"), d.http()),
                bindTransparentListener(s.section("tls"), d.tls()));
        s.finish();
        return transparent;
    }

    private static NexusConfig.TransparentListener bindTransparentListener(ConfigSection s,
            NexusConfig.TransparentListener d) throws ConfigException {
        var listener = new NexusConfig.TransparentListener(s.bool("enabled", d.enabled()),
                s.addressList("addresses"), port(s, d.port()),
                s.integer("original_port", d.originalPort(), 1, 65535));
        s.finish();
        return listener;
    }

    private static int port(ConfigSection s, int defaultPort) throws ConfigException {
        return s.integer("port", defaultPort, 0, 65535);
    }

    static Optional<URI> httpUrl(ConfigSection s, String key) throws ConfigException {
        Optional<String> text = s.optionalString(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String problem = "must be an http:// or https:// URL with a host, got " + ConfigSection.quote(Secret.redactUserInfo(text.get()));
        try {
            URI uri = new URI(text.get());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw s.error(s.pathOf(key), problem);
            }
            if (uri.getUserInfo() != null) {
                throw s.error(s.pathOf(key), "must not contain credentials" + ("url".equals(key) ? "; use api_key" : ""));
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            throw s.error(s.pathOf(key), problem);
        }
    }

    private static Secret encryptionKey(ConfigSection s, String id, String base64) throws ConfigException {
        String fieldPath = s.pathOf("encryption_keys") + "." + id;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw s.error(fieldPath, "must be base64 of " + AES_256_KEY_BYTES + " bytes (AES-256), not valid base64");
        }
        if (key.length != AES_256_KEY_BYTES) {
            throw s.error(fieldPath, "must be base64 of " + AES_256_KEY_BYTES + " bytes (AES-256), got " + key.length + " bytes");
        }
        java.util.Arrays.fill(key, (byte) 0);
        return Secret.of(base64.trim());
    }

    private static void requirePair(ConfigSection s, String firstKey, Optional<?> first, String secondKey,
                                    Optional<?> second) throws ConfigException {
        if (first.isPresent() && second.isEmpty()) {
            throw s.error(s.pathOf(secondKey), "required when " + s.pathOf(firstKey) + " is set");
        }
        if (second.isPresent() && first.isEmpty()) {
            throw s.error(s.pathOf(firstKey), "required when " + s.pathOf(secondKey) + " is set");
        }
    }

    private static String normaliseHost(String host) {
        String lower = host.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** RFC 9110 token characters, what a header name may contain. */
    private static boolean isToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return !name.isEmpty();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline >= 0 ? message.substring(0, newline) : message;
    }
}
