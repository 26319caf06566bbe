package dev.nexus.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secrets in the configuration never show up in toString, the effective-config dump or error messages. */
class SecretRedactionTest {

    private static final String API_KEY = "api-key-SENTINEL-1";
    private static final String TOKEN = "admin-token-SENTINEL-2";
    private static final String REDIS_PASSWORD = "redis-pw-SENTINEL-3";
    private static final String ENCRYPTION_KEY = "U0VOVElORUwtNC1TRU5USU5FTC00LVNFTlRJTkVMLTQ="; // 32 bytes
    private static final List<String> SECRETS = List.of(API_KEY, TOKEN, REDIS_PASSWORD, ENCRYPTION_KEY);

    @TempDir
    Path dir;

    private NexusConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(env::get).load(file);
    }

    private static void assertNoSecret(String text) {
        for (String secret : SECRETS) {
            assertFalse(text.contains(secret), () -> "secret leaked: " + text);
        }
    }

    @Test
    void toStringAndEffectiveConfigShowNoSecret() throws Exception {
        NexusConfig config = load("""
                admin: {token: "${TOKEN}"}
                authority: {type: nexus, nexus: {url: "https://authority.example", api_key: "${API_KEY}"}}
                redis:
                  url: "redis://nexus:%s@redis.example:6379/0"
                  encryption_keys: {k1: "%s"}
                """.formatted(REDIS_PASSWORD, ENCRYPTION_KEY), Map.of("TOKEN", TOKEN, "API_KEY", API_KEY));

        assertEquals(API_KEY, config.authority().nexus().apiKey().orElseThrow().reveal());
        assertNoSecret(config.toString());
        String yaml = ConfigPrinter.toYaml(config);
        assertNoSecret(yaml);
        assertTrue(yaml.contains("url: \"redis://nexus:****@redis.example:6379/0\""), yaml);
        assertTrue(yaml.contains("api_key: \"****\""), yaml);
        assertTrue(yaml.contains("k1: \"****\""), yaml);
    }

    @Test
    void invalidSecretValuesAreNotEchoedInErrors() {
        String badKey = "bad-key-SENTINEL-" + "x".repeat(10);
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("redis: {encryption_keys: {k1: \"" + badKey + "\"}}", Map.of()));
        assertFalse(e.getMessage().contains(badKey), e.getMessage());

        ConfigException wrongScheme = assertThrows(ConfigException.class,
                () -> load("redis: {url: \"http://u:" + REDIS_PASSWORD + "@h\"}", Map.of()));
        assertNoSecret(wrongScheme.getMessage());

        ConfigException sectionAsScalar = assertThrows(ConfigException.class,
                () -> load("redis: \"redis://:" + REDIS_PASSWORD + "@h\"", Map.of()));
        assertEquals(dir.resolve("config.yaml") + ":1: redis: must be a mapping, got a single value", sectionAsScalar.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            redis://user:pw@host:6379/0            | redis://user:****@host:6379/0
            redis://pw@host                        | redis://****@host
            rediss://:pw@host:6380                 | rediss://:****@host:6380
            redis://host:6379/0                    | redis://host:6379/0
            redis-sentinel://host?password=pw      | redis-sentinel://host?****
            not a url                              | ****
            """)
    void urlSecretsKeepHostButMaskCredentials(String url, String shown) {
        assertEquals(shown, Secret.url(url).toString());
        assertEquals(url, Secret.url(url).reveal());
    }

    @Test
    void matchesComparesWholeValues() {
        Secret secret = Secret.of("0123456789abcdef");
        assertTrue(secret.matches("0123456789abcdef"));
        assertFalse(secret.matches("0123456789abcde"));
        assertFalse(secret.matches("0123456789abcdeF"));
        assertFalse(secret.matches(null));
        assertEquals("****", secret.toString());
    }
}
