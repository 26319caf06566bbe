package dev.nexus.proxy.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.nexus.policy.model.StrategySpec;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * A Nexus Authority gateway on a free loopback port, speaking the v1 data-plane API of
 * nexus-protocol.md over real HTTP (or HTTPS): {@code GET /v1/token/{id}}, {@code POST /v1/refresh/{id}}
 * and {@code GET /v1/check-connection/{id}}, plus {@code POST /v1/request-connection} and the 0.4 answers
 * (410 {@code connection_revoked}, 400 {@code connection_not_active}, 429 with {@code Retry-After}, empty bodies). Answers are programmed per connection; latency and
 * outages can be injected; every call is counted per endpoint and connection.
 *
 * <pre>{@code
 * try (TestAuthority authority = TestAuthority.builder().apiKey("X-API-Key", "test-key").start()) {
 *     // token calls answer generation 0; each POST /v1/refresh answers the next generation: rotation.
 *     authority.respond("github", generation -> TestAuthority.Reply.apiKey("secret-v" + generation,
 *             Instant.now().plusSeconds(3600)));
 *     authority.respond("gone", TestAuthority.Reply.revoked());
 *     var settings = NexusAuthoritySettings.of(authority.baseUri(), "test-key");
 *     ... run the code under test ...
 *     assertEquals(1, authority.calls(TestAuthority.Endpoint.TOKEN, "github"));
 *     authority.availability(TestAuthority.Availability.REFUSING);   // connections refused until UP
 * }
 * }</pre>
 * Connections without a programmed answer get 404 {@code connection_not_found}.
 */
public final class TestAuthority implements Closeable {

    /** The data-plane calls, with the method each requires, and the control-plane call that starts a consent. */
    public enum Endpoint {
        TOKEN("/v1/token/", "GET"),
        REFRESH("/v1/refresh/", "POST"),
        CHECK("/v1/check-connection/", "GET"),
        /** {@code POST /v1/request-connection}: counted per {@code provider_id} of the request body. */
        REQUEST_CONNECTION("/v1/request-connection", "POST");

        private final String prefix;
        private final String method;

        Endpoint(String prefix, String method) {
            this.prefix = prefix;
            this.method = method;
        }
    }

    /** Injected failure modes. */
    public enum Availability {
        /** Answers as programmed. */
        UP,
        /** Every call gets 503 {@code broker_unavailable}. */
        DOWN_503,
        /** The listening socket is closed: connections are refused. */
        REFUSING,
        /** Calls are accepted and never answered (until the mode changes or the server closes). */
        HANGING
    }

    /** One HTTP answer: a status, a JSON body (empty: none) and extra headers. */
    public record Reply(int status, String body, Map<String, String> headers) {

        private static final ObjectMapper JSON = new ObjectMapper();

        public Reply(int status, String body) {
            this(status, body, Map.of());
        }

        /** Generic shape: {@code {"strategy": ..., "credentials": ..., "expires_at": ...}}; null values are left out. */
        public static Reply token(StrategySpec strategy, Map<String, ?> credentials, Object expiresAt) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("strategy", Map.of("type", strategy.type(), "config", strategy.config()));
            body.put("credentials", credentials);
            if (expiresAt != null) {
                body.put("expires_at", expiresAt instanceof Instant instant ? instant.getEpochSecond() : expiresAt);
            }
            return ok(body);
        }

        /** A header strategy ({@code Authorization: Bearer <api_key>}) with the given key and expiry (null: none). */
        public static Reply apiKey(String value, Instant expiresAt) {
            StrategySpec header = new StrategySpec("header",
                    Map.of("header_name", "Authorization", "value_prefix", "Bearer ", "credential_field", "api_key"));
            return token(header, Map.of("api_key", value), expiresAt);
        }

        /** The back-compatible OAuth 2 shape: fields copied to the top level, RFC 3339 expiry, strategy with only a type. */
        public static Reply oauth2Flattened(String accessToken, Instant expiresAt) {
            Map<String, Object> credentials = new LinkedHashMap<>();
            credentials.put("access_token", accessToken);
            credentials.put("expires_at", expiresAt.toString());
            credentials.put("expired", false);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("access_token", accessToken);
            body.put("token_type", "Bearer");
            body.put("expires_in", Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds()));
            body.put("expires_at", expiresAt.toString());
            body.put("strategy", Map.of("type", "oauth2"));
            body.put("credentials", credentials);
            return ok(body);
        }

        public static Reply ok(Map<String, ?> body) {
            return json(200, body);
        }

        public static Reply json(int status, Map<String, ?> body) {
            try {
                return new Reply(status, JSON.writeValueAsString(body));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("reply body is not serialisable", e);
            }
        }

        /** 400 {@code invalid_connection_id}. */
        public static Reply invalidConnectionId() {
            return envelope(400, "invalid_connection_id", "connection id is not a valid UUID");
        }

        /** 401 ErrorEnvelope: the caller's API key is missing or wrong. */
        public static Reply unauthorized() {
            return envelope(401, "unauthorized", "missing or invalid API key");
        }

        /** 403 {@code connection_not_active}: revoked. */
        public static Reply revoked() {
            return envelope(403, "connection_not_active", "connection is revoked");
        }

        /** 404 {@code connection_not_found}. */
        public static Reply notFound() {
            return envelope(404, "connection_not_found", "no such connection");
        }

        /** 404 {@code token_not_found}. */
        public static Reply tokenNotFound() {
            return envelope(404, "token_not_found", "no token stored for this connection");
        }

        /** 409 {@code {"error":"attention_required","detail":...}}. */
        public static Reply attentionRequired(String detail) {
            return json(409, Map.of("error", "attention_required", "detail", detail));
        }

        /** Protocol 0.4: 410 {@code connection_revoked}, terminal. */
        public static Reply connectionRevoked() {
            return envelope(410, "connection_revoked", "the user revoked this connection");
        }

        /** Protocol 0.4: 400 {@code connection_not_active}, terminal (older Authorities sent it as 403). */
        public static Reply notActive() {
            return envelope(400, "connection_not_active", "connection is not active");
        }

        /** Protocol 0.4: 409 {@code provider_ambiguous}, a 409 that is not attention. */
        public static Reply providerAmbiguous() {
            return envelope(409, "provider_ambiguous", "more than one provider matches");
        }

        /** Protocol 0.4: 429 with {@code Retry-After: seconds}, the gateway's per-workspace rate limit. */
        public static Reply rateLimited(long retryAfterSeconds) {
            return new Reply(429, "{\"code\":\"rate_limited\",\"message\":\"slow down\"}",
                    Map.of("Retry-After", Long.toString(retryAfterSeconds)));
        }

        /** A status with an empty body. */
        public static Reply empty(int status) {
            return new Reply(status, "");
        }

        /** The answer to {@code POST /v1/request-connection}: the new connection id and the link for a human. */
        public static Reply consentStarted(String newConnectionId, String authUrl) {
            return ok(Map.of("connection_id", newConnectionId, "auth_url", authUrl));
        }

        /** 502, 503 or 504 {@code broker_unavailable}. */
        public static Reply brokerUnavailable(int status) {
            return envelope(status, "broker_unavailable", "broker is unavailable");
        }

        private static Reply envelope(int status, String code, String message) {
            return json(status, Map.of("code", code, "message", message));
        }
    }

    /** Configures and starts a {@link TestAuthority}. */
    public static final class Builder {
        private String apiKeyHeader;
        private String apiKey;
        private SSLContext tls;
        private boolean requireClientCertificate;

        /** Requires {@code header: value} on every call; others get a 401 ErrorEnvelope. */
        public Builder apiKey(String header, String value) {
            this.apiKeyHeader = header;
            this.apiKey = value;
            return this;
        }

        /** Serves HTTPS with this context's key material instead of plain HTTP. */
        public Builder https(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** Serves HTTPS and refuses clients without a certificate trusted by {@code context} (mutual TLS). */
        public Builder httpsWithClientAuth(SSLContext context) {
            this.tls = context;
            this.requireClientCertificate = true;
            return this;
        }

        public TestAuthority start() {
            return new TestAuthority(this);
        }
    }

    private static final Duration MAX_HANG = Duration.ofSeconds(60);

    private final String apiKeyHeader;
    private final String apiKey;
    private final SSLContext tls;
    private final boolean requireClientCertificate;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "test-authority");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, IntFunction<Reply>> replies = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> generations = new ConcurrentHashMap<>();
    private final Map<String, String> checkStatuses = new ConcurrentHashMap<>();
    private final List<JsonNode> consentRequests = new CopyOnWriteArrayList<>();
    private volatile Function<JsonNode, Reply> consentReply = request -> Reply.json(404,
            Map.of("code", "provider_not_found", "message", "no consent programmed"));
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final int port;
    private volatile HttpServer server;
    private volatile Availability availability = Availability.UP;
    private volatile CountDownLatch hangRelease = new CountDownLatch(0);
    private volatile Duration latency = Duration.ZERO;

    private TestAuthority(Builder builder) {
        this.apiKeyHeader = builder.apiKeyHeader;
        this.apiKey = builder.apiKey;
        this.tls = builder.tls;
        this.requireClientCertificate = builder.requireClientCertificate;
        this.server = bind(0);
        this.port = server.getAddress().getPort();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A plain-HTTP Authority without API key. */
    public static TestAuthority start() {
        return builder().start();
    }

    /** {@code http(s)://127.0.0.1:<port>}, the base URL to configure. */
    public URI baseUri() {
        return URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + port);
    }

    /** Both token and refresh calls for {@code connectionId} answer {@code reply}. */
    public TestAuthority respond(String connectionId, Reply reply) {
        Objects.requireNonNull(reply, "reply");
        return respond(connectionId, generation -> reply);
    }

    /**
     * Answers by generation: token calls get the current generation (0 at first), each refresh call
     * moves to the next one and answers it. Lets rotation tests tell old credentials from new.
     */
    public TestAuthority respond(String connectionId, IntFunction<Reply> byGeneration) {
        replies.put(connectionId, byGeneration);
        return this;
    }

    /** What {@code GET /v1/check-connection/{id}} reports (default {@code active} for programmed connections). */
    public TestAuthority checkStatus(String connectionId, String status) {
        checkStatuses.put(connectionId, status);
        return this;
    }

    /** How {@code POST /v1/request-connection} answers, given the request body. */
    public TestAuthority onRequestConnection(Function<JsonNode, Reply> reply) {
        this.consentReply = reply;
        return this;
    }

    /** The bodies of every {@code POST /v1/request-connection} so far. */
    public List<JsonNode> consentRequests() {
        return List.copyOf(consentRequests);
    }

    /** Delay before every answer. */
    public TestAuthority latency(Duration delay) {
        this.latency = delay;
        return this;
    }

    /** Switches the failure mode; going back to {@link Availability#UP} rebinds the same port and releases hung calls. */
    public synchronized TestAuthority availability(Availability mode) {
        Availability previous = availability;
        if (previous == Availability.HANGING) {
            hangRelease.countDown();
        }
        if (mode == Availability.HANGING) {
            hangRelease = new CountDownLatch(1);
        }
        if (mode == Availability.REFUSING && previous != Availability.REFUSING) {
            server.stop(0);
        } else if (mode != Availability.REFUSING && previous == Availability.REFUSING) {
            server = bind(port);
        }
        availability = mode;
        return this;
    }

    /** How many calls reached {@code endpoint} for {@code connectionId} (including refused ones, e.g. 401). */
    public int calls(Endpoint endpoint, String connectionId) {
        AtomicInteger count = calls.get(key(endpoint, connectionId));
        return count == null ? 0 : count.get();
    }

    /** All calls to {@code endpoint}, any connection. */
    public int calls(Endpoint endpoint) {
        String prefix = endpoint.name() + ' ';
        return calls.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(e -> e.getValue().get()).sum();
    }

    /** The refresh generation a connection is at (number of refresh calls answered). */
    public int generation(String connectionId) {
        AtomicInteger generation = generations.get(connectionId);
        return generation == null ? 0 : generation.get();
    }

    private HttpServer bind(int bindPort) {
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), bindPort);
            HttpServer created;
            if (tls != null) {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        SSLParameters ssl = tls.getDefaultSSLParameters();
                        ssl.setNeedClientAuth(requireClientCertificate);
                        parameters.setSSLParameters(ssl);
                    }
                });
                created = https;
            } else {
                created = HttpServer.create(address, 64);
            }
            created.setExecutor(executor);
            created.createContext("/", this::handle);
            created.start();
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException("test Authority cannot bind 127.0.0.1:" + bindPort, e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            byte[] requestBody = body.readAllBytes();
            String rawPath = exchange.getRequestURI().getRawPath();
            Endpoint endpoint = endpoint(rawPath);
            JsonNode consentRequest = endpoint == Endpoint.REQUEST_CONNECTION ? consentRequest(requestBody) : null;
            String connectionId = endpoint == null ? null : consentRequest != null
                    ? consentRequest.path("provider_id").asText("")
                    : connectionId(rawPath.substring(endpoint.prefix.length()));
            if (connectionId == null) {
                send(exchange, Reply.json(404, Map.of("code", "not_found", "message", "no such endpoint")));
                return;
            }
            calls.computeIfAbsent(key(endpoint, connectionId), k -> new AtomicInteger()).incrementAndGet();
            if (!delay()) {
                return;
            }
            if (apiKey != null && !apiKey.equals(exchange.getRequestHeaders().getFirst(apiKeyHeader))) {
                send(exchange, Reply.unauthorized());
            } else if (!endpoint.method.equals(exchange.getRequestMethod())) {
                send(exchange, Reply.json(405, Map.of("code", "method_not_allowed", "message", endpoint.method + " only")));
            } else if (availability == Availability.DOWN_503) {
                send(exchange, Reply.brokerUnavailable(503));
            } else {
                send(exchange, answer(endpoint, connectionId, consentRequest));
            }
        }
    }

    /** Waits for the injected latency or a hang; false when the server is closing and should not answer. */
    private boolean delay() {
        try {
            if (!latency.isZero() && closed.await(latency.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
            if (availability == Availability.HANGING) {
                hangRelease.await(MAX_HANG.toMillis(), TimeUnit.MILLISECONDS);
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static JsonNode consentRequest(byte[] body) {
        try {
            JsonNode node = new ObjectMapper().readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private Reply answer(Endpoint endpoint, String connectionId, JsonNode consentRequest) {
        if (endpoint == Endpoint.REQUEST_CONNECTION) {
            consentRequests.add(consentRequest);
            return consentReply.apply(consentRequest);
        }
        IntFunction<Reply> reply = replies.get(connectionId);
        if (endpoint == Endpoint.CHECK) {
            String status = checkStatuses.getOrDefault(connectionId, reply == null ? null : "active");
            return status == null ? Reply.notFound() : Reply.ok(Map.of("status", status));
        }
        if (reply == null) {
            return Reply.notFound();
        }
        AtomicInteger generation = generations.computeIfAbsent(connectionId, k -> new AtomicInteger());
        return reply.apply(endpoint == Endpoint.REFRESH ? generation.incrementAndGet() : generation.get());
    }

    private static Endpoint endpoint(String rawPath) {
        for (Endpoint endpoint : Endpoint.values()) {
            if (endpoint == Endpoint.REQUEST_CONNECTION ? rawPath.equals(endpoint.prefix) : rawPath.startsWith(endpoint.prefix)) {
                return endpoint;
            }
        }
        return null;
    }

    /** The single percent-encoded path segment after the prefix, decoded ('+' is literal in a path). */
    private static String connectionId(String rawSegment) {
        if (rawSegment.isEmpty() || rawSegment.contains("/")) {
            return null;
        }
        return URLDecoder.decode(rawSegment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String key(Endpoint endpoint, String connectionId) {
        return endpoint.name() + ' ' + connectionId;
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
        }
        reply.headers().forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        closed.countDown();
        hangRelease.countDown();
        if (availability != Availability.REFUSING) {
            server.stop(0);
        }
        executor.shutdownNow();
    }
}
