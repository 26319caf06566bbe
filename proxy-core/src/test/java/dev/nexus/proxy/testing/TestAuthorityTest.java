package dev.nexus.proxy.testing;

import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestAuthority.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness itself, checked with a plain JDK HttpClient: endpoints, methods, API key, counters, rotation. */
class TestAuthorityTest {

    private final TestAuthority authority = TestAuthority.builder().apiKey("X-API-Key", "k").start();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        authority.close();
    }

    private HttpResponse<String> call(String method, String path, boolean withKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(authority.baseUri() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (withKey) {
            request.header("X-API-Key", "k");
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void endpointsAnswerAsProgrammed() throws Exception {
        authority.respond("c1", generation -> Reply.apiKey("v" + generation, Instant.parse("2030-01-01T00:00:00Z")))
                .checkStatus("c2", "pending");
        HttpResponse<String> token = call("GET", "/v1/token/c1", true);
        assertEquals(200, token.statusCode());
        assertTrue(token.body().contains("\"api_key\":\"v0\"") && token.body().contains("\"expires_at\":1893456000"), token.body());
        assertTrue(call("POST", "/v1/refresh/c1", true).body().contains("\"v1\""));
        assertTrue(call("GET", "/v1/token/c1", true).body().contains("\"v1\""), "token calls answer the latest generation");
        assertEquals("{\"status\":\"active\"}", call("GET", "/v1/check-connection/c1", true).body());
        assertEquals("{\"status\":\"pending\"}", call("GET", "/v1/check-connection/c2", true).body());
        assertEquals(404, call("GET", "/v1/token/unknown", true).statusCode());
        assertEquals(405, call("POST", "/v1/token/c1", true).statusCode());
        assertEquals(3, authority.calls(Endpoint.TOKEN, "c1"), "every call is counted, refused ones too");
        assertEquals(1, authority.calls(Endpoint.REFRESH, "c1"));
        assertEquals(1, authority.generation("c1"));
    }

    @Test
    void missingApiKeyGetsAnErrorEnvelope() throws Exception {
        authority.respond("c1", Reply.apiKey("v", null));
        HttpResponse<String> refused = call("GET", "/v1/token/c1", false);
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("\"code\":\"unauthorized\""), refused.body());
    }
}
