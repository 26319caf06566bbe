package dev.nexus.proxy.credentials.nexus;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.MalformedTokenException;
import dev.nexus.proxy.credentials.TokenResponseParser;
import dev.nexus.proxy.credentials.reconsent.ConsentAuthority;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The production credential source: the Authority's v1 gateway ({@code GET /v1/token/{id}},
 * {@code POST /v1/refresh/{id}}) over the JDK {@link HttpClient}, fully asynchronous. Answers are
 * parsed by {@link TokenResponseParser} and failures mapped to {@link CredentialException} kinds
 * following the protocol's error table; a malformed 200 body counts as the Authority being unavailable.
 * The API key is sent on every call and appears nowhere else: not in logs, metrics or messages.
 */
public final class NexusAuthoritySource implements CredentialSource, ConsentAuthority {

    private static final Logger LOG = Logger.getLogger(NexusAuthoritySource.class.getName());
    private static final String TOKEN = "token";
    private static final String REFRESH = "refresh";
    /** Token answers are small; anything bigger is not a token answer. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private final NexusAuthoritySettings settings;
    private final String base;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient client;
    private final TokenResponseParser parser = new TokenResponseParser();
    private final AuthorityMetrics metrics;
    private static final ObjectMapper CONSENT_JSON = new ObjectMapper();

    /**
     * Registers the Authority call metrics in {@code registry} (one source per registry; {@link #close()} unregisters them).
     *
     * @throws IllegalArgumentException when the TLS files cannot be used (the message names the file)
     */
    public NexusAuthoritySource(NexusAuthoritySettings settings, PrometheusRegistry registry) {
        this(settings, registry, Clock.systemUTC());
    }

    /** @param clock stamps {@link Lease#fetchedAt()} and anchors {@code expires_in} */
    public NexusAuthoritySource(NexusAuthoritySettings settings, PrometheusRegistry registry, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        String url = settings.baseUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.executor = Executors.newCachedThreadPool(daemonThreads());
        HttpClient.Builder builder = HttpClient.newBuilder()
                // One small request per call: HTTP/1.1 keep-alive is enough and avoids an h2c upgrade on plain http.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        SSLContext tls = AuthorityTls.sslContext(settings);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.client = builder.build();
        this.metrics = new AuthorityMetrics(registry);
    }

    @Override
    public CompletableFuture<Lease> fetch(String connectionId) {
        return call(TOKEN, "GET", "/v1/token/", connectionId);
    }

    @Override
    public CompletableFuture<Lease> refresh(String connectionId) {
        return call(REFRESH, "POST", "/v1/refresh/", connectionId);
    }

    /** {@code POST /v1/request-connection}: starts a consent a human completes at the answer's {@code auth_url}. */
    @Override
    public CompletableFuture<ConsentStart> requestConnection(String workspaceId, String providerId, List<String> scopes,
                                                             String returnUrl) {
        Map<String, Object> body = Map.of("workspace_id", workspaceId, "provider_id", providerId, "scopes", scopes,
                "return_url", returnUrl);
        HttpRequest.Builder request;
        try {
            request = authorityRequest("/v1/request-connection")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(CONSENT_JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("consent request cannot be written"));
        }
        return consentCall(request.build(), "request-connection for provider " + providerId).thenApply(answer -> {
            String id = answer.path("connection_id").asText("");
            String url = answer.path("auth_url").asText("");
            if (id.isEmpty() || url.isEmpty()) {
                throw new CompletionException(new IllegalStateException(
                        "the Authority's request-connection answer lacks connection_id or auth_url"));
            }
            return new ConsentStart(id, url);
        });
    }

    /** {@code GET /v1/check-connection/{id}}: {@code active}, {@code pending} or {@code failed}. */
    @Override
    public CompletableFuture<String> checkConnection(String connectionId) {
        HttpRequest request = authorityRequest("/v1/check-connection/" + pathSegment(connectionId)).GET().build();
        return consentCall(request, "check-connection for connection " + connectionId)
                .thenApply(answer -> answer.path("status").asText("").toLowerCase(java.util.Locale.ROOT));
    }

    private HttpRequest.Builder authorityRequest(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(settings.responseTimeout())
                .header("Accept", "application/json");
        if (settings.apiKey() != null) {
            builder.header(settings.apiKeyHeader(), settings.apiKey());
        }
        return builder;
    }

    /** One consent call: a 200 JSON object, or a failure naming the call and status (never the API key). */
    private CompletableFuture<JsonNode> consentCall(HttpRequest request, String what) {
        long overallMillis = settings.connectTimeout().plus(settings.responseTimeout()).toMillis();
        return client.sendAsync(request, BoundedBody.handler(MAX_BODY_BYTES))
                .orTimeout(overallMillis, TimeUnit.MILLISECONDS)
                .thenApplyAsync(response -> {
                    if (response.statusCode() != 200) {
                        throw new CompletionException(new IllegalStateException(
                                what + ": the Authority answered " + response.statusCode()));
                    }
                    try {
                        return CONSENT_JSON.readTree(response.body());
                    } catch (IOException e) {
                        throw new CompletionException(new IllegalStateException(what + ": the answer is not JSON"));
                    }
                }, executor);
    }

    private CompletableFuture<Lease> call(String call, String method, String path, String connectionId) {
        long start = System.nanoTime();
        HttpRequest request;
        try {
            request = request(method, path, connectionId);
        } catch (CredentialException invalid) {
            metrics.record(call, AuthorityMetrics.outcome(invalid.kind()), start);
            return CompletableFuture.failedFuture(invalid);
        }
        long overallMillis = settings.connectTimeout().plus(settings.responseTimeout()).toMillis();
        return client.sendAsync(request, BoundedBody.handler(MAX_BODY_BYTES))
                // The request timeout stops at the response headers; this bounds a body that never ends too.
                .orTimeout(overallMillis, TimeUnit.MILLISECONDS)
                .handleAsync((response, failure) -> {
                    try {
                        if (failure != null) {
                            throw transportFailure(unwrap(failure), connectionId);
                        }
                        Lease lease = answer(response, connectionId);
                        metrics.record(call, AuthorityMetrics.OK, start);
                        LOG.log(Level.FINE, () -> call + " call for connection " + connectionId + ": ok, " + lease);
                        return lease;
                    } catch (CredentialException e) {
                        metrics.record(call, AuthorityMetrics.outcome(e.kind()), start);
                        LOG.log(e.kind() == Kind.AUTHORITY_UNAUTHORIZED ? Level.WARNING : Level.FINE,
                                () -> call + " call failed: " + e.getMessage());
                        throw new CompletionException(e);
                    }
                }, executor);
    }

    private HttpRequest request(String method, String path, String connectionId) {
        if (connectionId == null || connectionId.isEmpty() || connectionId.equals(".") || connectionId.equals("..")) {
            throw new CredentialException(Kind.INVALID_CONNECTION, String.valueOf(connectionId),
                    "a connection id must be a non-empty name other than '.' or '..'");
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path + pathSegment(connectionId)))
                .timeout(settings.responseTimeout())
                .header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (settings.apiKey() != null) {
            builder.header(settings.apiKeyHeader(), settings.apiKey());
        }
        return builder.build();
    }

    private Lease answer(HttpResponse<byte[]> response, String connectionId) {
        if (response.statusCode() != 200) {
            throw AuthorityErrors.fromStatus(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After").orElse(null), connectionId, settings.apiKeyHeader(),
                    clock.instant());
        }
        try {
            return parser.parse(response.body()).toLease(connectionId, clock.instant());
        } catch (MalformedTokenException e) {
            LOG.warning(() -> "the Authority sent an unusable token response for connection " + connectionId + ": " + e.getMessage());
            throw new CredentialException(Kind.UNAVAILABLE, connectionId,
                    "the Authority sent an unusable token response: " + e.getMessage());
        }
    }

    private CredentialException transportFailure(Throwable failure, String connectionId) {
        if (failure instanceof CredentialException e) {
            return e;
        }
        String what;
        if (failure instanceof HttpConnectTimeoutException) {
            what = "could not connect to the Authority within " + settings.connectTimeout();
        } else if (failure instanceof HttpTimeoutException || failure instanceof TimeoutException) {
            what = "the Authority did not answer within " + settings.responseTimeout();
        } else if (failure instanceof ConnectException) {
            what = "could not connect to the Authority at " + base;
        } else {
            // Transport messages name hosts and TLS problems, never request headers.
            what = "calling the Authority at " + base + " failed: " + failure;
        }
        return new CredentialException(Kind.UNAVAILABLE, connectionId, what);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /** Percent-encodes the id as one path segment ({@code URLEncoder} is form encoding: '+' must become %20). */
    static String pathSegment(String connectionId) {
        return URLEncoder.encode(connectionId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "nexus-authority-client-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
        metrics.unregister();
    }

    @Override
    public String toString() {
        return "NexusAuthoritySource[" + base + "]";
    }
}
