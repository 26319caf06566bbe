package dev.nexus.proxy.credentials.nexus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.credentials.http.CredentialHttpClient;
import dev.nexus.proxy.credentials.reconsent.ConsentAuthority;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The Authority's consent calls ({@code POST /v1/request-connection}, {@code GET /v1/check-connection/{id}}) for
 * re-consent, over the same {@link CredentialHttpClient} and API key as the token calls of
 * {@link NexusAuthoritySource}, which hands this out. Failures name the call and the status, never the API key.
 */
final class AuthorityConsentCalls implements ConsentAuthority {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CredentialHttpClient client;
    private final Function<String, HttpRequest.Builder> authorityRequest;

    /** @param authorityRequest a request to the Authority path given, carrying the API key */
    AuthorityConsentCalls(CredentialHttpClient client, Function<String, HttpRequest.Builder> authorityRequest) {
        this.client = client;
        this.authorityRequest = authorityRequest;
    }

    @Override
    public CompletableFuture<ConsentStart> requestConnection(String workspaceId, String providerId, List<String> scopes,
                                                             String returnUrl) {
        Map<String, Object> body = Map.of("workspace_id", workspaceId, "provider_id", providerId, "scopes", scopes,
                "return_url", returnUrl);
        HttpRequest.Builder request;
        try {
            request = authorityRequest.apply("/v1/request-connection")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("consent request cannot be written"));
        }
        return call(request, "request-connection for provider " + providerId).thenApply(answer -> {
            String id = answer.path("connection_id").asText("");
            String url = answer.path("auth_url").asText("");
            if (id.isEmpty() || url.isEmpty()) {
                throw new CompletionException(new IllegalStateException(
                        "the Authority's request-connection answer lacks connection_id or auth_url"));
            }
            return new ConsentStart(id, url);
        });
    }

    @Override
    public CompletableFuture<String> checkConnection(String connectionId) {
        HttpRequest.Builder request = authorityRequest.apply(
                "/v1/check-connection/" + NexusAuthoritySource.pathSegment(connectionId)).GET();
        return call(request, "check-connection for connection " + connectionId)
                .thenApply(answer -> answer.path("status").asText("").toLowerCase(Locale.ROOT));
    }

    /** One consent call: a 200 JSON object, or a failure naming the call and status. */
    private CompletableFuture<JsonNode> call(HttpRequest.Builder request, String what) {
        return client.send(request).thenApplyAsync(response -> {
            if (response.statusCode() != 200) {
                throw new CompletionException(new IllegalStateException(
                        what + ": the Authority answered " + response.statusCode()));
            }
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new CompletionException(new IllegalStateException(what + ": the answer is not JSON"));
            }
        }, client.executor());
    }
}
