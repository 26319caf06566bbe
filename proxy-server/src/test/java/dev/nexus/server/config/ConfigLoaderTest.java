package dev.nexus.server.config;

import dev.nexus.proxy.settings.Http2Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    private static final String KEY_32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 ASCII bytes
    private static final String KEY_32_B = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    @TempDir
    Path dir;

    private Map<String, String> env = Map.of();

    private NexusConfig load(String yaml) throws IOException, ConfigException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(env::get).load(file);
    }

    private String error(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(yaml));
        String prefix = dir.resolve("config.yaml").toString();
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        // The file's name, then the line of the field when the field is in the file: "config.yaml:3: listen.port: ..."
        return e.getMessage().substring(prefix.length()).replaceFirst("^(:\\d+)?: ", "");
    }

    @Test
    void http2LimitsAreReadFromTheLimitsSectionAndCheckedWithTheirPath() throws Exception {
        NexusConfig c = load("""
                limits:
                  http2:
                    max_concurrent_streams: 50
                    max_header_list_size: 32768
                    max_resets_per_window: 100
                    reset_window: 10s
                    max_pings_per_window: 20
                    max_settings_per_window: 8
                    control_frame_window: 5s
                """);
        dev.nexus.proxy.settings.Http2Limits http2 = c.limits().http2();
        assertEquals(50, http2.maxConcurrentStreams());
        assertEquals(32768, http2.maxHeaderListSize());
        assertEquals(100, http2.maxResetsPerWindow());
        assertEquals(Duration.ofSeconds(10), http2.resetWindow());
        assertEquals(20, http2.maxPingsPerWindow());
        assertEquals(8, http2.maxSettingsPerWindow());
        assertEquals(Duration.ofSeconds(5), http2.controlFrameWindow());
        assertEquals(dev.nexus.proxy.settings.Http2Limits.defaults().maxContinuationFrames(), http2.maxContinuationFrames());
        assertTrue(error("limits: {http2: {max_concurrent_streams: 0}}").contains("max_concurrent_streams"),
                "the error names the key");
        assertTrue(error("limits: {http2: {control_frame_window: 10ms}}").contains("control_frame_window"),
                "the error names the key");
    }

    @Test
    void emptyFileGivesTheEmbeddedDefaults() throws Exception {
        assertEquals(NexusConfig.defaults(), load(""));
        assertEquals(NexusConfig.defaults(), load("# only a comment\n"));
    }

    @Test
    void defaultsAreTheDocumentedValues() {
        NexusConfig d = NexusConfig.defaults();
        assertEquals(new NexusConfig.Listen("127.0.0.1", 3128), d.listen());
        assertEquals(new NexusConfig.Admin("127.0.0.1", 9090, Optional.empty(), Path.of("nexus-admin-token")), d.admin());
        assertEquals(new NexusConfig.Transport(NexusConfig.TransportType.AUTO, 0), d.transport());
        assertEquals(new NexusConfig.Limits(8192, 16384, 65536, 1024, 10_000, Http2Limits.defaults()), d.limits());
        assertEquals(new NexusConfig.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(60), Duration.ofHours(1), Duration.ofSeconds(60), Duration.ofSeconds(10)), d.timeouts());
        assertEquals(new NexusConfig.Upstream(64, 50, Duration.ofSeconds(30), Map.of(), Optional.empty()), d.upstream());
        assertEquals(new NexusConfig.AccessLog(true, NexusConfig.AccessLogTarget.STDOUT, Optional.empty(), 8192), d.accessLog());
        assertEquals(new NexusConfig.Policy(Optional.empty(), Duration.ofSeconds(1)), d.policy());
        assertEquals(NexusConfig.AuthorityType.FILE, d.authority().type());
        assertEquals(Path.of("nexus-credentials.yaml"), d.authority().file().path());
        assertEquals("X-API-Key", d.authority().nexus().apiKeyHeader());
        assertEquals(new NexusConfig.LeaseCache(Duration.ofSeconds(30), 0.8, Duration.ofMinutes(5), Duration.ofSeconds(10)),
                d.authority().cache());
        assertEquals("nexus:", d.redis().namespace());
        assertEquals(Optional.empty(), d.redis().url());
        assertEquals(Path.of("nexus-ca"), d.tls().caDir());
        assertEquals(NexusConfig.LeafKeyType.ECDSA, d.tls().leafKeyType());
        assertEquals(Duration.ofHours(24), d.tls().leafValidity());
        assertEquals(1_000, d.tls().leafCacheSize());
        assertEquals(NexusConfig.TlsProvider.AUTO, d.tls().provider());
        assertEquals(new NexusConfig.Transparent(
                new NexusConfig.TransparentListener(false, Optional.empty(), 15080, 80),
                new NexusConfig.TransparentListener(false, Optional.empty(), 15443, 443)), d.transparent());
    }

    @Test
    void transparentListenersTakeExplicitAddressesOfEitherFamily() throws Exception {
        NexusConfig c = load("""
                transparent:
                  http: {enabled: true, addresses: ["::1"], port: 16080}
                  tls: {enabled: true, addresses: [127.0.0.1, "::1"], port: 16443, original_port: 8443}
                """);
        assertEquals(new NexusConfig.TransparentListener(true, Optional.of(List.of("::1")), 16080, 80),
                c.transparent().http());
        assertEquals(new NexusConfig.TransparentListener(true, Optional.of(List.of("127.0.0.1", "::1")), 16443, 8443),
                c.transparent().tls());
    }

    @Test
    void readsEverySection() throws Exception {
        NexusConfig c = load("""
                listen: {address: "::1", port: 8080}
                admin: {address: 0.0.0.0, port: 9191, token: abcdefghijklmnopqrstuvwxyz}
                transport: {type: nio, event_loop_threads: 4}
                limits: {max_initial_line_length: 4096, max_header_size: 8192, max_chunk_size: 32768,
                         max_connections_per_source: 16, max_connections: 500}
                timeouts: {connect: 500ms, request_header: 2s, request_body: 20s, client_idle: 2m, tunnel_idle: 1h, response: 90s, shutdown_drain: 0s}
                upstream:
                  max_connections_per_host: 8
                  upload_share_percent: 25
                  pool_idle_timeout: 10s
                  hosts: {API.Example.com.: 127.0.0.2, v6.example: "::1"}
                  hosts_file: /etc/nexus/hosts
                access_log: {enabled: false, target: file, path: /var/log/nexus/access.log, queue_size: 1024}
                policy: {path: /etc/nexus/policy.d, poll_interval: 2s}
                authority:
                  type: nexus
                  file: {path: creds.yaml, allow_insecure_permissions: true}
                  nexus:
                    url: https://authority.example:8443/
                    api_key: the-api-key
                    api_key_header: X-Nexus-Key
                    ca_file: ca.pem
                    client_cert: client.pem
                    client_key: client-key.pem
                    connect_timeout: 1s
                    timeout: 3s
                  cache: {safety_margin: 10s, refresh_ahead_fraction: 0.5, max_age: 5m, negative_ttl: 0s}
                redis:
                  url: rediss://user:pw@redis.example:6380/0
                  cluster: true
                  encryption_keys: {k1: %s, k2: %s}
                  active_key_id: k2
                  namespace: "team-a:"
                tls:
                  ca_dir: /etc/nexus/ca
                  ca_cert: ca.pem
                  ca_key: ca-key.pem
                  next_ca_cert: next.pem
                  next_ca_key: next-key.pem
                  leaf_key_type: rsa
                  leaf_validity: 12h
                  leaf_cache_size: 500
                  upstream_ca_bundle: extra.pem
                  provider: jdk
                """.formatted(KEY_32, KEY_32_B));

        assertEquals(new NexusConfig.Listen("::1", 8080), c.listen());
        assertEquals("abcdefghijklmnopqrstuvwxyz", c.admin().token().orElseThrow().reveal());
        assertEquals(new NexusConfig.Transport(NexusConfig.TransportType.NIO, 4), c.transport());
        assertEquals(new NexusConfig.Limits(4096, 8192, 32768, 16, 500, Http2Limits.defaults()), c.limits());
        assertEquals(new NexusConfig.Timeouts(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(20),
                Duration.ofMinutes(2),
                Duration.ofHours(1), Duration.ofSeconds(90), Duration.ZERO), c.timeouts());
        assertEquals(Map.of("api.example.com", InetAddress.getByName("127.0.0.2"), "v6.example", InetAddress.getByName("::1")),
                c.upstream().hosts());
        assertEquals(Optional.of(Path.of("/etc/nexus/hosts")), c.upstream().hostsFile());
        assertEquals(25, c.upstream().uploadSharePercent());
        assertEquals(new NexusConfig.AccessLog(false, NexusConfig.AccessLogTarget.FILE,
                Optional.of(Path.of("/var/log/nexus/access.log")), 1024), c.accessLog());
        assertEquals(new NexusConfig.Policy(Optional.of(Path.of("/etc/nexus/policy.d")), Duration.ofSeconds(2)), c.policy());
        NexusConfig.NexusAuthority nexus = c.authority().nexus();
        assertEquals(NexusConfig.AuthorityType.NEXUS, c.authority().type());
        assertEquals(Optional.of(URI.create("https://authority.example:8443/")), nexus.url());
        assertEquals("the-api-key", nexus.apiKey().orElseThrow().reveal());
        assertEquals("X-Nexus-Key", nexus.apiKeyHeader());
        assertEquals(Optional.of(Path.of("client-key.pem")), nexus.clientKey());
        assertEquals(Duration.ofSeconds(3), nexus.timeout());
        assertEquals(new NexusConfig.FileAuthority(Path.of("creds.yaml"), true), c.authority().file());
        assertEquals(0.5, c.authority().cache().refreshAheadFraction());
        assertEquals("rediss://user:pw@redis.example:6380/0", c.redis().url().orElseThrow().reveal());
        assertTrue(c.redis().cluster());
        assertEquals(KEY_32_B, c.redis().encryptionKeys().get("k2").reveal());
        assertEquals(Optional.of("k2"), c.redis().activeKeyId());
        assertEquals("team-a:", c.redis().namespace());
        assertEquals(new NexusConfig.Tls(Path.of("/etc/nexus/ca"), Optional.of(Path.of("ca.pem")), Optional.of(Path.of("ca-key.pem")),
                Optional.of(Path.of("next.pem")), Optional.of(Path.of("next-key.pem")), NexusConfig.LeafKeyType.RSA,
                Duration.ofHours(12), 500, Optional.of(Path.of("extra.pem")), NexusConfig.TlsProvider.JDK), c.tls());
    }

    @Test
    void singleEncryptionKeyIsActiveWithoutNamingIt() throws Exception {
        NexusConfig c = load("redis: {url: redis://127.0.0.1:6379, encryption_keys: {only: %s}}".formatted(KEY_32));
        assertEquals(Optional.of("only"), c.redis().activeKeyId());
    }

    @Test
    void substitutesEnvironmentVariablesWithDefaultsAndEscapes() throws Exception {
        env = Map.of("PROXY_PORT", "4000", "ADMIN_TOKEN", "0123456789abcdef-from-env", "EMPTY", "");
        NexusConfig c = load("""
                listen: {port: "${PROXY_PORT}", address: "${PROXY_ADDRESS:-127.0.0.1}"}
                admin: {port: "${ADMIN_PORT:-9999}", token: "${ADMIN_TOKEN}"}
                redis: {namespace: "${EMPTY:-fallback}-$${LITERAL}-$x"}
                """);

        assertEquals(new NexusConfig.Listen("127.0.0.1", 4000), c.listen());
        assertEquals(9999, c.admin().port());
        assertEquals("0123456789abcdef-from-env", c.admin().token().orElseThrow().reveal());
        assertEquals("fallback-${LITERAL}-$x", c.redis().namespace());
    }

    @Test
    void missingEnvironmentVariableNamesTheVariableAndTheField() {
        assertEquals("admin.token: environment variable NEXUS_ADMIN_TOKEN is not set (write ${NEXUS_ADMIN_TOKEN:-default} to give a default)",
                error("admin: {token: \"${NEXUS_ADMIN_TOKEN}\"}"));
    }

    @Test
    void substitutedValuesAreValidatedLikeLiterals() {
        env = Map.of("PROXY_PORT", "70000");
        assertEquals("listen.port: must be 0-65535, got 70000", error("listen: {port: \"${PROXY_PORT}\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            listen: {port: 70000}                          | listen.port: must be 0-65535, got 70000
            listen: {port: -1}                             | listen.port: must be 0-65535, got -1
            listen: {port: http}                           | listen.port: must be an integer, got "http"
            listen: {address: proxy.local}                 | listen.address: must be an IP address or "localhost", got "proxy.local"
            listen: {address: ""}                          | listen.address: must not be empty
            listen: {prot: 1}                              | listen.prot: unknown key; expected one of: address, port
            listne: {port: 1}                              | listne: unknown key; expected one of: listen, admin, transport, limits, timeouts, upstream, access_log, policy, authority, redis, tls, transparent, identity, audit
            listen: [1, 2]                                 | listen: must be a mapping, got a list
            listen: {port: [1]}                            | listen.port: must be a single value, got a list
            admin: {token: 0123456789abcdef, token_file: t} | admin.token_file: set either admin.token or admin.token_file, not both
            admin: {token: short}                          | admin.token: must be at least 16 characters
            transport: {type: kqueue}                      | transport.type: must be one of auto, epoll, nio, got "kqueue"
            transport: {event_loop_threads: 2000}          | transport.event_loop_threads: must be 0-1024, got 2000
            limits: {max_initial_line_length: 10}          | limits.max_initial_line_length: must be 256-1048576, got 10
            limits: {max_header_size: 10}                  | limits.max_header_size: must be 1024-1048576, got 10
            limits: {max_chunk_size: 10}                   | limits.max_chunk_size: must be 1024-16777216, got 10
            timeouts: {connect: 5}                         | timeouts.connect: must be a duration such as 500ms, 5s, 2m or 1h, got "5"
            timeouts: {connect: 5 seconds}                 | timeouts.connect: must be a duration such as 500ms, 5s, 2m or 1h, got "5 seconds"
            timeouts: {connect: 0s}                        | timeouts.connect: must be at least 1ms, got 0s
            timeouts: {shutdown_drain: 2h}                 | timeouts.shutdown_drain: must be at most 1h, got 2h
            upstream: {max_connections_per_host: 0}        | upstream.max_connections_per_host: must be 1-100000, got 0
            upstream: {upload_share_percent: 0}            | upstream.upload_share_percent: must be 1-100, got 0
            upstream: {hosts: {api.example.com: nowhere}}  | upstream.hosts.api.example.com: must be an IP address, got "nowhere"
            upstream: {hosts: [a]}                         | upstream.hosts: must be a mapping, got a list
            access_log: {enabled: maybe}                   | access_log.enabled: must be true or false, got "maybe"
            access_log: {target: syslog}                   | access_log.target: must be one of stdout, stderr, file, got "syslog"
            access_log: {target: file}                     | access_log.path: required when access_log.target is file
            access_log: {path: /tmp/a.log}                 | access_log.path: only allowed when access_log.target is file
            policy: {poll_interval: 10ms}                  | policy.poll_interval: must be at least 100ms, got 10ms
            authority: {type: vault}                       | authority.type: must be one of file, nexus, got "vault"
            authority: {type: nexus}                       | authority.nexus.url: required when authority.type is nexus
            authority: {type: nexus, nexus: {url: 'https://a.example'}}       | authority.nexus.api_key: required when authority.type is nexus
            authority: {nexus: {url: 'ftp://a.example'}}                      | authority.nexus.url: must be an http:// or https:// URL with a host, got "ftp://a.example"
            authority: {nexus: {url: 'https://u:p@a.example'}}                | authority.nexus.url: must not contain credentials; use api_key
            authority: {nexus: {api_key_header: 'X Key'}}                     | authority.nexus.api_key_header: must be an HTTP header name, got "X Key"
            authority: {nexus: {client_cert: c.pem}}                          | authority.nexus.client_key: required when authority.nexus.client_cert is set
            authority: {cache: {refresh_ahead_fraction: 1.5}}                 | authority.cache.refresh_ahead_fraction: must be a number between 0 and 1 (exclusive), got "1.5"
            authority: {file: {allow_insecure_permissions: 1}}                | authority.file.allow_insecure_permissions: must be true or false, got "1"
            redis: {url: 'http://h:1'}                                        | redis.url: must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://, got "http://h:1"
            redis: {url: 'redis://h:1'}                                       | redis.encryption_keys: required when redis.url is set (leases in Redis are encrypted)
            redis: {encryption_keys: {k1: 'c2hvcnQ='}}                        | redis.encryption_keys.k1: must be base64 of 32 bytes (AES-256), got 5 bytes
            redis: {encryption_keys: {k1: '!!not base64!!'}}                  | redis.encryption_keys.k1: must be base64 of 32 bytes (AES-256), not valid base64
            redis: {namespace: ''}                                            | redis.namespace: must not be empty
            tls: {leaf_key_type: dsa}                      | tls.leaf_key_type: must be one of ecdsa, rsa, got "dsa"
            tls: {provider: bouncy}                        | tls.provider: must be one of auto, openssl, jdk, got "bouncy"
            tls: {leaf_validity: 500d}                     | tls.leaf_validity: must be at most 397d, got 500d
            tls: {leaf_cache_size: 0}                      | tls.leaf_cache_size: must be 1-10000000, got 0
            tls: {ca_key: k.pem}                           | tls.ca_cert: required when tls.ca_key is set
            tls: {next_ca_cert: n.pem}                     | tls.next_ca_key: required when tls.next_ca_cert is set
            transparent: {http: {addresses: []}}           | transparent.http.addresses: must name at least one address (leave it out for the default)
            transparent: {tls: {addresses: [a.example]}}   | transparent.tls.addresses[0]: must be an IP address or "localhost", got "a.example"
            transparent: {tls: {addresses: '::1'}}         | transparent.tls.addresses: must be a list, e.g. [a, b], got a single value
            'transparent: {http: {addresses: ["::1", "0:0:0:0:0:0:0:1"]}}' | transparent.http.addresses: lists "0:0:0:0:0:0:0:1" twice
            transparent: {http: {address: 127.0.0.1}}      | transparent.http.address: unknown key; expected one of: enabled, addresses, port, original_port
            listen: {port: 9090}                           | admin.port: must differ from listen.port (both 9090)
            'listen: {port: 8000}\nadmin: {port: 8000, address: 0.0.0.0, token: 0123456789abcdef}' | admin.port: must differ from listen.port (both 8000)
            listen: {address: '${A'}                       | listen.address: unterminated ${ in value (write $${ for a literal ${)
            listen: {address: '${1A}'}                     | listen.address: invalid environment variable reference ${1A}: names are letters, digits and _, not starting with a digit
            """)
    void validationErrorsNameTheFieldAndWhatIsExpected(String yaml, String expected) {
        assertEquals(expected, error(yaml));
    }

    @Test
    void encryptionKeyChoiceMustBeExplicitWithSeveralKeys() {
        assertEquals("redis.active_key_id: required when redis.encryption_keys has more than one key",
                error("redis: {encryption_keys: {a: %s, b: %s}}".formatted(KEY_32, KEY_32_B)));
        assertEquals("redis.active_key_id: \"c\" is not a key of redis.encryption_keys (a, b)",
                error("redis: {encryption_keys: {a: %s, b: %s}, active_key_id: c}".formatted(KEY_32, KEY_32_B)));
    }

    @Test
    void yamlSyntaxErrorsGiveLineAndColumn() {
        assertEquals("line 2, column 10: invalid YAML: mapping values are not allowed here",
                error("listen:\n  port: 1: 2\n"));
        assertEquals("line 3, column 7: invalid YAML: Duplicate field 'port'",
                error("listen:\n  port: 1\n  port: 2\n"));
        assertEquals("must be a YAML mapping of sections (listen, admin, ...)", error("- listen\n"));
    }

    @Test
    void samePortOnDifferentInterfacesIsAllowed() throws Exception {
        NexusConfig c = load("listen: {address: 127.0.0.1, port: 8000}\nadmin: {address: 127.0.0.2, port: 8000}");
        assertEquals(8000, c.admin().port());
        assertEquals(0, load("listen: {port: 0}\nadmin: {port: 0}").admin().port());
    }

    @Test
    void parsesTextWithTheSameRules() throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of("P", "0")::get);
        assertEquals(0, loader.parse("test", "listen: {port: \"${P}\"}").listen().port());
        ConfigException e = assertThrows(ConfigException.class, () -> loader.parse("inline", "listen: {port: x}"));
        assertEquals("inline:1: listen.port: must be an integer, got \"x\"", e.getMessage());
    }

    @Test
    void missingFileIsAOneLineError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigLoader(name -> null).load(dir.resolve("absent.yaml")));
        assertEquals(dir.resolve("absent.yaml") + ": cannot read: no such file", e.getMessage());
    }
}
