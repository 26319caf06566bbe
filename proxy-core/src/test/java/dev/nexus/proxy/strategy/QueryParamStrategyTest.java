package dev.nexus.proxy.strategy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static dev.nexus.proxy.strategy.TestRequests.inject;
import static dev.nexus.proxy.strategy.TestRequests.lease;
import static dev.nexus.proxy.strategy.TestRequests.request;
import static dev.nexus.proxy.strategy.TestRequests.strategy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QueryParamStrategyTest {

    private static final CredentialStrategy KEY_PARAM = strategy("query_param", Map.of("param_name", "key"));

    private static String injectedUri(String uri, String credential) {
        return inject(KEY_PARAM, request("GET", uri), lease("query_param", Map.of("api_key", credential))).head().uri();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            // no query, bare "?", existing query
            "/v1/maps                          | /v1/maps?key=K",
            "/v1/maps?                         | /v1/maps?key=K",
            "/v1/maps?q=1                      | /v1/maps?q=1&key=K",
            // every occurrence the agent sent is removed, the rest is kept in order
            "/v1?key=a&q=1&key=b               | /v1?q=1&key=K",
            "/v1?key=a&key=b                   | /v1?key=K",
            "/v1?key                           | /v1?key=K",
            "/v1?k%65y=a&q=1                   | /v1?q=1&key=K",
            // every letter case and the ';' separator: origins reading either must not see the agent's value
            "/v1?KEY=a&q=1&Key=b               | /v1?q=1&key=K",
            "/v1?q=1;key=a                     | /v1?q=1&key=K",
            "/v1?q=1;KEY=a;r=2&s=3             | /v1?q=1;r=2&s=3&key=K",
            "/v1?key=a;q=1                     | /v1?q=1&key=K",
            "/v1?%4BEY=a&q=1                   | /v1?q=1&key=K",
            // other parameters stay byte-identical: '+', '%20', odd encodings, empty segments
            "/v1?q=a+b&r=c%20d&s=%7e&t=        | /v1?q=a+b&r=c%20d&s=%7e&t=&key=K",
            "/v1?a=1&&b=2                      | /v1?a=1&&b=2&key=K",
            "/v1?a=1&key=x&                    | /v1?a=1&&key=K",
            "/v1?keys=1&akey=2&key2=3          | /v1?keys=1&akey=2&key2=3&key=K",
            // the path is never touched
            "/a%20b/c+d;p=1?x=%2F              | /a%20b/c+d;p=1?x=%2F&key=K",
    })
    void addsOrReplacesTheParameterKeepingTheRestOfTheQueryByteIdentical(String uri, String expected) {
        assertEquals(expected, injectedUri(uri, "K"));
    }

    @Test
    void credentialIsPercentEncodedWithUnreservedCharactersKept() {
        assertEquals("/v1?key=AZaz09-._~", injectedUri("/v1", "AZaz09-._~"));
        assertEquals("/v1?key=a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25i%C3%A9%E2%82%AC", injectedUri("/v1", "a b+c&d=e/f?g#h%ié€"));
    }

    @Test
    void resultHasNoFragmentAndNoStrayHash() {
        String uri = injectedUri("/v1?q=1", "x#y");

        assertEquals("/v1?q=1&key=x%23y", uri);
    }

    @Test
    void paramNameIsEncodedToo() {
        CredentialStrategy spaced = strategy("query_param", Map.of("param_name", "api key"));

        OutboundRequest request = inject(spaced, request("GET", "/?api%20key=agent&z=1"), lease("query_param", Map.of("api_key", "v")));

        assertEquals("/?z=1&api%20key=v", request.head().uri());
    }

    @Test
    void credentialFieldIsConfigurable() {
        CredentialStrategy custom = strategy("query_param", Map.of("param_name", "token", "credential_field", "access"));

        OutboundRequest request = inject(custom, request("GET", "/"), lease("query_param", Map.of("access", "t", "api_key", "unused")));

        assertEquals("/?token=t", request.head().uri());
    }

    @Test
    void stripRemovesTheAgentsParameterAndDropsAnEmptiedQuery() {
        OutboundRequest request = request("GET", "/v1?key=placeholder");

        KEY_PARAM.stripAgentCredentials(request);

        assertEquals("/v1", request.head().uri());
    }

    @Test
    void stripLeavesAQueryWithoutTheParameterUntouched() {
        OutboundRequest request = request("GET", "/v1?q=a+b&&z");

        KEY_PARAM.stripAgentCredentials(request);

        assertEquals("/v1?q=a+b&&z", request.head().uri());
    }

    @Test
    void paramNameIsRequired() {
        StrategyException error = assertThrows(StrategyException.class, () -> strategy("query_param", Map.of()));

        assertEquals("strategy query_param: config \"param_name\" is required", error.getMessage());
        assertEquals("param_name", error.field());
    }

    @Test
    void missingCredentialNamesTheField() {
        StrategyException error = assertThrows(StrategyException.class,
                () -> KEY_PARAM.apply(request("GET", "/"), lease("query_param", Map.of())));

        assertEquals("strategy query_param: credential field \"api_key\" is missing or empty", error.getMessage());
    }

    @Test
    void aGrpcCallIsRefusedAsUnsupported() {
        OutboundRequest call = request("POST", "/pkg.Service/Method", "content-type", "application/grpc+proto");
        StrategyException error = assertThrows(StrategyException.class,
                () -> KEY_PARAM.apply(call, lease("query_param", Map.of("api_key", "K"))));

        assertEquals(StrategyException.Kind.UNSUPPORTED_REQUEST, error.kind());
        assertEquals("/pkg.Service/Method", call.head().uri());
    }
}
