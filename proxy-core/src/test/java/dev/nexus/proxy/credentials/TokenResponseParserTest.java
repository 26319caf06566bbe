package dev.nexus.proxy.credentials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenResponseParserTest {

    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    private final TokenResponseParser parser = new TokenResponseParser();

    private Lease parse(String json) throws MalformedTokenException {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8)).toLease("c1", NOW);
    }

    @Test
    void genericShapeWithEpochSeconds() throws Exception {
        Lease lease = parse("""
                {"strategy": {"type": "header", "config": {"header_name": "X-API-Key", "credential_field": "api_key"}},
                 "credentials": {"api_key": "k-1"}, "expires_at": 1735689600}""");
        assertEquals("header", lease.strategy().type());
        assertEquals("X-API-Key", lease.strategy().config().get("header_name"));
        assertEquals("k-1", lease.credential("api_key"));
        assertEquals(Instant.ofEpochSecond(1735689600), lease.expiresAt());
        assertEquals(NOW, lease.fetchedAt());
    }

    @Test
    void flattenedOauth2WithStrategyTypeOnly() throws Exception {
        Lease lease = parse("""
                {"access_token": "ya29.top", "token_type": "Bearer", "expires_in": 3599,
                 "expires_at": "2026-11-29T12:00:00Z", "strategy": {"type": "oauth2"},
                 "credentials": {"access_token": "ya29.inner", "expires_at": "2026-11-29T12:00:00Z", "expired": false}}""");
        assertEquals("oauth2", lease.strategy().type());
        assertEquals("ya29.inner", lease.credential("access_token"), "the credentials object wins over the flattened copy");
        assertEquals("Bearer", lease.credential("token_type"));
        assertEquals("false", lease.credential("expired"));
        assertEquals(Instant.parse("2026-11-29T12:00:00Z"), lease.expiresAt());
    }

    @Test
    void missingStrategyWithAccessTokenMeansOauth2() throws Exception {
        Lease lease = parse("{\"access_token\": \"ya29.only\", \"expires_in\": 60}");
        assertEquals("oauth2", lease.strategy().type());
        assertEquals("ya29.only", lease.credential("access_token"));
        assertEquals(NOW.plusSeconds(60), lease.expiresAt());
    }

    @Test
    void strategyWithoutTypeButAccessTokenMeansOauth2() throws Exception {
        assertEquals("oauth2", parse("{\"strategy\": {}, \"credentials\": {\"access_token\": \"t\"}}").strategy().type());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1795946400", "\"1795946400\"", "\"2026-11-29T10:00:00Z\"", "\"2026-11-29t11:00:00+01:00\"",
            "\"2026-11-29 10:00:00Z\"", "1795946400000", "1795946400.0"})
    void expiresAtFormats(String value) throws Exception {
        Lease lease = parse("{\"strategy\": {\"type\": \"header\"}, \"credentials\": {\"api_key\": \"k\"}, \"expires_at\": " + value + "}");
        assertEquals(Instant.parse("2026-11-29T10:00:00Z"), lease.expiresAt());
    }

    @Test
    void expiresAtInsideCredentials() throws Exception {
        Lease lease = parse("{\"strategy\": {\"type\": \"header\"}, \"credentials\": {\"api_key\": \"k\", \"expires_at\": \"1795946400\"}}");
        assertEquals(Instant.ofEpochSecond(1795946400), lease.expiresAt());
    }

    @Test
    void expiresInAsNumericStringCountsFromFetchTime() throws Exception {
        TokenGrant grant = parser.parse("{\"strategy\": {\"type\": \"header\"}, \"credentials\": {}, \"expires_in\": \"90\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(Duration.ofSeconds(90), grant.expiresIn());
        assertEquals(NOW.plusSeconds(190), grant.toLease("c1", NOW.plusSeconds(100)).expiresAt());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ", \"expires_at\": null", ", \"expires_at\": 0", ", \"expires_at\": \"0001-01-01T00:00:00Z\"",
            ", \"expires_at\": \"\""})
    void noExpiryMeansNull(String expiry) throws Exception {
        assertNull(parse("{\"strategy\": {\"type\": \"header\"}, \"credentials\": {\"api_key\": \"k\"}" + expiry + "}").expiresAt());
    }

    @Test
    void unknownFieldsIgnoredScalarsStringifiedNestedSkipped() throws Exception {
        Lease lease = parse("""
                {"strategy": {"type": "Basic_Auth", "config": {"username_field": "user", "retries": 3, "nested": {"a": 1}}},
                 "credentials": {"user": "u", "pin": 1234, "ratio": 1.50, "enabled": true, "nested": {"x": "y"}, "list": [1], "gone": null},
                 "connection_state": "ACTIVE", "extra": {"deep": [1, 2]}}""");
        assertEquals("basic_auth", lease.strategy().type());
        assertEquals(Map.of("username_field", "user", "retries", "3"), lease.strategy().config());
        assertEquals(Map.of("user", "u", "pin", "1234", "ratio", "1.50", "enabled", "true"), lease.credentials());
    }

    @Test
    void malformedDocumentsNameTheFieldNeverTheValue() {
        String secret = "sk-live-SECRET-VALUE";
        assertMalformed("{\"credentials\": {\"api_key\": \"" + secret + "\"}}", "strategy", secret);
        assertMalformed("{\"strategy\": {\"type\": \"header\"}, \"credentials\": \"" + secret + "\"}", "credentials", secret);
        assertMalformed("{\"strategy\": {\"type\": \"oauth2\"}, \"credentials\": {\"token\": \"" + secret + "\"}}", "access_token", secret);
        assertMalformed("{\"strategy\": {\"type\": \"header\"}, \"credentials\": {}, \"expires_at\": \"" + secret + "\"}", "expires_at", secret);
        assertMalformed("{\"strategy\": {\"type\": \"header\"}, \"credentials\": {\"api_key\": " + secret + "}}", "not valid JSON", secret);
        assertMalformed("[\"" + secret + "\"]", "not an object", secret);
    }

    private void assertMalformed(String json, String expected, String secret) {
        MalformedTokenException e = assertThrows(MalformedTokenException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains(secret), e.getMessage());
    }
}
