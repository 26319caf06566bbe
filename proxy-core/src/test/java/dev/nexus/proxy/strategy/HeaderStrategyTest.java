package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.nexus.proxy.strategy.TestRequests.inject;
import static dev.nexus.proxy.strategy.TestRequests.lease;
import static dev.nexus.proxy.strategy.TestRequests.request;
import static dev.nexus.proxy.strategy.TestRequests.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code header} and {@code oauth2}, which is a fixed header strategy. */
class HeaderStrategyTest {

    @Test
    void defaultsSetAuthorizationToTheApiKeyWithoutPrefix() {
        OutboundRequest request = inject(strategy("header", Map.of()), request("GET", "/v1/items"),
                lease("header", Map.of("api_key", "key-123")));

        assertEquals("key-123", request.headers().get("Authorization"));
    }

    @Test
    void headerNameCredentialFieldAndPrefixAreConfigurable() {
        CredentialStrategy header = strategy("header",
                Map.of("header_name", "X-API-Key", "credential_field", "token", "value_prefix", "Token "));

        OutboundRequest request = inject(header, request("GET", "/"), lease("header", Map.of("token", "t-1", "api_key", "unused")));

        assertEquals("Token t-1", request.headers().get("X-API-Key"));
        assertNull(request.headers().get("Authorization"));
    }

    @Test
    void prefixIsJoinedAsIsLikeTheReferenceBridge() {
        OutboundRequest request = inject(strategy("header", Map.of("value_prefix", "Bearer")), request("GET", "/"),
                lease("header", Map.of("api_key", "abc")));

        assertEquals("Bearerabc", request.headers().get("Authorization"));
    }

    @Test
    void surroundingBlanksAreDroppedAsTheOriginWouldParseThem() {
        OutboundRequest request = inject(strategy("header", Map.of("value_prefix", " ")), request("GET", "/"),
                lease("header", Map.of("api_key", "abc\t ")));

        assertEquals("abc", request.headers().get("Authorization"));
    }

    @Test
    void blankCredentialIsTreatedAsEmpty() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("header", Map.of())
                .apply(request("GET", "/"), lease("header", Map.of("api_key", "   "))));

        assertEquals("strategy header: credential field \"api_key\" is missing or empty", error.getMessage());
    }

    @Test
    void prefixThatWouldSplitTheHeaderIsAConfigError() {
        StrategyException error = assertThrows(StrategyException.class,
                () -> strategy("header", Map.of("value_prefix", "Bearer\r\nX-Evil: 1 ")));

        assertEquals("strategy header: config \"value_prefix\" contains characters not allowed in an HTTP header value",
                error.getMessage());
    }

    @Test
    void agentSentValuesAreRemovedWhateverTheirCaseSoTheInjectedValueIsTheOnlyOne() {
        OutboundRequest request = request("GET", "/", "x-api-key", "agent-guess", "X-API-KEY", "second", "Accept", "*/*");

        inject(strategy("header", Map.of("header_name", "X-API-Key")), request, lease("header", Map.of("api_key", "real")));

        assertEquals(List.of("real"), request.headers().getAll("X-API-Key"));
        assertEquals("*/*", request.headers().get("Accept"));
    }

    @Test
    void stripAloneRemovesTheTargetHeaderAndNothingElse() {
        OutboundRequest request = request("GET", "/", "Authorization", "Bearer placeholder", "X-Other", "kept");

        strategy("header", Map.of()).stripAgentCredentials(request);

        assertFalse(request.headers().contains("Authorization"));
        assertEquals("kept", request.headers().get("X-Other"));
    }

    @Test
    void missingOrEmptyCredentialFieldIsAnErrorNamingTheField() {
        CredentialStrategy header = strategy("header", Map.of("credential_field", "api_token"));

        for (Map<String, String> credentials : List.of(Map.<String, String>of(), Map.of("api_token", ""))) {
            StrategyException error = assertThrows(StrategyException.class,
                    () -> header.apply(request("GET", "/"), lease("header", credentials)));
            assertEquals("strategy header: credential field \"api_token\" is missing or empty", error.getMessage());
            assertEquals(StrategyException.Kind.MISSING_CREDENTIAL, error.kind());
            assertEquals(StrategyType.HEADER, error.type());
            assertEquals("api_token", error.field());
        }
    }

    @Test
    void credentialThatWouldSplitTheHeaderIsRefused() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("header", Map.of())
                .apply(request("GET", "/"), lease("header", Map.of("api_key", "abc\r\nX-Injected: 1"))));

        assertEquals(StrategyException.Kind.INVALID_CREDENTIAL, error.kind());
        assertEquals("strategy header: credential field \"api_key\" contains characters not allowed in an HTTP header value",
                error.getMessage());
    }

    @Test
    void invalidHeaderNameIsAConfigError() {
        StrategyException error = assertThrows(StrategyException.class,
                () -> strategy("header", Map.of("header_name", "X Api Key")));

        assertEquals("strategy header: config \"header_name\" is not a valid HTTP header name", error.getMessage());
        assertEquals(StrategyException.Kind.INVALID_CONFIG, error.kind());
    }

    @Test
    void oauth2SendsTheAccessTokenAsBearerAndReplacesTheAgentsAuthorization() {
        OutboundRequest request = request("GET", "/", "Authorization", "Bearer agent-placeholder");

        inject(strategy("oauth2", Map.of()), request, lease("oauth2", Map.of("access_token", "ya29.token", "api_key", "unused")));

        assertEquals(List.of("Bearer ya29.token"), request.headers().getAll("Authorization"));
    }

    @Test
    void oauth2WithoutAccessTokenNamesTheField() {
        StrategyException error = assertThrows(StrategyException.class,
                () -> strategy("oauth2", Map.of()).apply(request("GET", "/"), lease("oauth2", Map.of("refresh_token", "r"))));

        assertEquals("strategy oauth2: credential field \"access_token\" is missing or empty", error.getMessage());
    }
}
