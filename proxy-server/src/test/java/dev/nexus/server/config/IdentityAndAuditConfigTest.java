package dev.nexus.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code identity} and {@code audit} sections: defaults, every field, and validation messages. */
class IdentityAndAuditConfigTest {

    private static NexusConfig parse(String yaml) throws ConfigException {
        return new ConfigLoader(name -> null).parse("config.yaml", yaml);
    }

    @Test
    void byDefaultIdentityIsNotEnforcedAndTheAuditTrailGoesToStdout() throws Exception {
        NexusConfig config = parse("");

        assertFalse(config.identity().enabled());
        assertEquals(NexusConfig.Audit.DEFAULT, config.audit());
        assertTrue(config.audit().enabled());
        assertEquals(NexusConfig.AuditTarget.STDOUT, config.audit().target());
        assertEquals(100 * 1024 * 1024, config.audit().maxFileBytes());
    }

    @Test
    void readsEveryIdentityField() throws Exception {
        NexusConfig.Identity identity = parse("""
                identity:
                  methods: [mtls, source, proxy_auth, anonymous]
                  agents_file: /etc/nexus/agents.yaml
                  auth_threads: 3
                  auth_cache_size: 500
                  auth_cache_ttl: 2m
                  sources: {"127.0.0.1": sidecar, "fd00::/8": v6-pods}
                  mtls: {certificate: proxy.pem, key: proxy-key.pem, trust_bundle: agents-ca.pem}
                  spiffe_ids: ["spiffe://prod/ns/billing/*"]
                """).identity();

        assertEquals(List.of(NexusConfig.IdentityMethod.MTLS, NexusConfig.IdentityMethod.SOURCE,
                NexusConfig.IdentityMethod.PROXY_AUTH, NexusConfig.IdentityMethod.ANONYMOUS), identity.methods());
        assertEquals(Optional.of(Path.of("/etc/nexus/agents.yaml")), identity.agentsFile());
        assertEquals(3, identity.authThreads());
        assertEquals(500, identity.authCacheSize());
        assertEquals(Duration.ofMinutes(2), identity.authCacheTtl());
        assertEquals(Map.of("127.0.0.1", "sidecar", "fd00::/8", "v6-pods"), identity.sources());
        assertEquals(new NexusConfig.Mtls(Optional.of(Path.of("proxy.pem")), Optional.of(Path.of("proxy-key.pem")),
                Optional.of(Path.of("agents-ca.pem"))), identity.mtls());
        assertEquals(List.of("spiffe://prod/ns/billing/*"), identity.spiffeIds());
    }

    @Test
    void readsEveryAuditField() throws Exception {
        NexusConfig.Audit audit = parse("audit: {enabled: true, target: file, path: /var/log/nexus/audit.log, "
                + "max_file_bytes: 4096, max_files: 3, queue_size: 64}").audit();

        assertEquals(new NexusConfig.Audit(true, NexusConfig.AuditTarget.FILE, Optional.of(Path.of("/var/log/nexus/audit.log")),
                4096, 3, 64), audit);
    }

    @Test
    void identityAndAuditSurviveThePrintedRoundTrip() throws Exception {
        NexusConfig config = parse("""
                identity:
                  methods: [source, anonymous]
                  sources: {"::1": sidecar, "10.0.0.0/8": pods}
                  spiffe_ids: ["spiffe://a/*", "spiffe://b/x"]
                audit: {target: file, path: "/tmp/audit log.jsonl", max_files: 2}
                """);

        assertEquals(config, parse(ConfigPrinter.toYaml(config)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            identity: {methods: [kerberos]}                              | identity.methods[0]: must be one of proxy_auth, mtls, source, anonymous, got "kerberos"
            identity: {methods: proxy_auth}                              | identity.methods: must be a list, e.g. [a, b], got a single value
            identity: {methods: [source, source], sources: {'::1': a}}   | identity.methods[1]: source is listed twice
            identity: {methods: [anonymous, source], sources: {'::1': a}} | identity.methods[1]: source never runs: anonymous before it matches every agent (put anonymous last)
            identity: {methods: [proxy_auth]}                            | identity.agents_file: required when identity.methods contains proxy_auth
            identity: {agents_file: agents.yaml}                         | identity.agents_file: only used when identity.methods contains proxy_auth
            identity: {methods: [source]}                                | identity.sources: required when identity.methods contains source (client address or CIDR: identity name)
            identity: {methods: [source], sources: {'10.0.0.0/33': a}}   | identity.sources.10.0.0.0/33: invalid CIDR "10.0.0.0/33" (prefix must be 0-32)
            identity: {methods: [source], sources: {pod-a: a}}           | identity.sources.pod-a: invalid CIDR "pod-a" ("pod-a" is not an IPv4 or IPv6 address)
            identity: {sources: {'::1': a}}                              | identity.sources: only used when identity.methods contains source
            identity: {methods: [mtls], mtls: {certificate: c.pem, key: k.pem}} | identity.mtls.trust_bundle: required when identity.methods contains mtls
            identity: {mtls: {certificate: c.pem}}                       | identity.mtls.certificate: the mtls section is only used when identity.methods contains mtls
            identity: {methods: [anonymous], spiffe_ids: ['a b']}        | identity.spiffe_ids[0]: invalid agent pattern "a b" (no whitespace or control characters)
            identity: {methods: [anonymous], auth_threads: 0}            | identity.auth_threads: must be 1-64, got 0
            identity: {method: [anonymous]}                              | identity.method: unknown key; expected one of: methods, agents_file, auth_threads, auth_cache_size, auth_cache_ttl, sources, mtls, spiffe_ids
            audit: {target: syslog}                                      | audit.target: must be one of stdout, file, got "syslog"
            audit: {target: file}                                        | audit.path: required when audit.target is file
            audit: {path: /tmp/a.log}                                    | audit.path: only allowed when audit.target is file
            audit: {max_file_bytes: 10}                                  | audit.max_file_bytes: must be 1024-2147483647, got 10
            audit: {max_files: 0}                                        | audit.max_files: must be 1-1000, got 0
            audit: {queue_size: 1}                                       | audit.queue_size: must be 16-1048576, got 1
            """)
    void mistakesNameTheFieldAndWhatIsExpected(String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals("config.yaml:1: " + expected, e.getMessage());
    }
}
