package dev.nexus.proxy.credentials.nexus;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.MalformedTokenException;
import dev.nexus.proxy.credentials.TokenResponseParser;
import dev.nexus.proxy.credentials.http.CredentialHttpClient;
import dev.nexus.proxy.credentials.http.TlsFiles;
import dev.nexus.proxy.credentials.reconsent.ConsentAuthority;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The production credential source: the Authority's v1 gateway ({@code GET /v1/token/{id}},
 * {@code POST /v1/refresh/{id}}) over the shared {@link CredentialHttpClient}, fully asynchronous. Answers are
 * parsed by {@link TokenResponseParser} and failures mapped to {@link CredentialException} kinds
 * following the protocol's error table; a malformed 200 body counts as the Authority being unavailable.
 * The API key is sent on every call and appears nowhere else: not in logs, metrics or messages.
 */
public final class NexusAuthoritySource implements CredentialSource {

    private static final Logger LOG = Logger.getLogger(NexusAuthoritySource.class.getName());
    private static final String TOKEN = "token";
    private static final String REFRESH = "refresh";
    static final int MAX_BODY_BYTES = CredentialHttpClient.MAX_BODY_BYTES;

    private final NexusAuthoritySettings settings;
    private final String base;
    private final Clock clock;
    private final CredentialHttpClient client;
    private final TokenResponseParser parser = new TokenResponseParser();
    private final AuthorityMetrics metrics;
    private final ConsentAuthority consent;

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
        this.client = new CredentialHttpClient("the Authority", "nexus-authority-client", settings.connectTimeout(),
                settings.responseTimeout(), new TlsFiles("authority", settings.caBundle(), settings.clientCertificate(),
                settings.clientKey()));
        this.metrics = new AuthorityMetrics(registry);
        this.consent = new AuthorityConsentCalls(client, this::authorityRequest);
    }

    @Override
    public CompletableFuture<Lease> fetch(String connectionId) {
        return call(TOKEN, "GET", "/v1/token/", connectionId);
    }

    @Override
    public CompletableFuture<Lease> refresh(String connectionId) {
        return call(REFRESH, "POST", "/v1/refresh/", connectionId);
    }

    /** The Authority's consent calls (re-consent), over the same client and API key. */
    public ConsentAuthority consent() {
        return consent;
    }

    /** The Authority's 429 limit is per workspace: it holds every connection, on every replica. */
    @Override
    public boolean sharesRateLimit() {
        return true;
    }

    /** A request to {@code path} under the base URL, carrying the API key. */
    private HttpRequest.Builder authorityRequest(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", "application/json");
        if (settings.apiKey() != null) {
            builder.header(settings.apiKeyHeader(), settings.apiKey());
        }
        return builder;
    }

    private CompletableFuture<Lease> call(String call, String method, String path, String connectionId) {
        long start = System.nanoTime();
        HttpRequest.Builder request;
        try {
            request = request(method, path, connectionId);
        } catch (CredentialException invalid) {
            metrics.record(call, AuthorityMetrics.outcome(invalid.kind()), start);
            return CompletableFuture.failedFuture(invalid);
        }
        return client.send(request)
                .handleAsync((response, failure) -> {
                    try {
                        if (failure != null) {
                            throw client.transportFailure(failure, connectionId, base);
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
                }, client.executor());
    }

    private HttpRequest.Builder request(String method, String path, String connectionId) {
        if (connectionId == null || connectionId.isEmpty() || connectionId.equals(".") || connectionId.equals("..")) {
            throw new CredentialException(Kind.INVALID_CONNECTION, String.valueOf(connectionId),
                    "a connection id must be a non-empty name other than '.' or '..'");
        }
        return authorityRequest(path + pathSegment(connectionId)).method(method, HttpRequest.BodyPublishers.noBody());
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

    /** Percent-encodes the id as one path segment ({@code URLEncoder} is form encoding: '+' must become %20). */
    static String pathSegment(String connectionId) {
        return URLEncoder.encode(connectionId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        client.close();
        metrics.unregister();
    }

    @Override
    public String toString() {
        return "NexusAuthoritySource[" + base + "]";
    }
}
