package dev.nexus.proxy.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OAuth 2.0 token endpoint on a free loopback port, over real HTTP: the client credentials grant
 * (RFC 6749 §4.4), the refresh token grant with optional rotation (§6), client authentication by
 * {@code client_secret_basic} or {@code client_secret_post} (§2.3.1; each client is registered for one and
 * using the other, or both at once, is refused), scope checks, and error responses as in §5.2. Every call
 * is recorded with its form fields; failures can be injected.
 *
 * <pre>{@code
 * try (TestTokenServer server = TestTokenServer.builder().tokenPrefix("tok-").start()) {
 *     server.client("proxy", "secret", TestTokenServer.AuthMethod.BASIC).allowScopes("read", "write");
 *     String refresh = server.issueRefreshToken("proxy");         // for the refresh_token grant
 *     ... point the code under test at server.tokenUri() ...
 *     assertEquals(1, server.calls());
 *     server.failWith(503, "temporarily_unavailable");              // until server.recover()
 * }
 * }</pre>
 */
public final class TestTokenServer implements Closeable {

    /** How a client authenticates. */
    public enum AuthMethod { BASIC, POST }

    /** One request as received: its form fields (possibly repeated), the Authorization header and the answer's status. */
    public record Call(Map<String, List<String>> form, String authorization, int status) {
        /** The first value of a form field, or {@code null}. */
        public String field(String name) {
            List<String> values = form.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    private record Client(String secret, AuthMethod method) {
    }

    private record Failure(int status, String error) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "test-token-server");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
    private final Set<String> accessTokens = ConcurrentHashMap.newKeySet();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
    private final String tokenPrefix;
    private final boolean rotateRefreshTokens;
    private final HttpServer server;
    private volatile Set<String> allowedScopes;
    private volatile long expiresInSeconds = 3600;
    private volatile Failure failure;

    private TestTokenServer(Builder builder) {
        this.tokenPrefix = builder.tokenPrefix;
        this.rotateRefreshTokens = builder.rotateRefreshTokens;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("test token server cannot bind", e);
        }
        server.setExecutor(executor);
        server.createContext("/oauth2/token", this::handle);
        server.start();
    }

    /** What does not change while the server runs. */
    public static final class Builder {
        private String tokenPrefix = "token-";
        private boolean rotateRefreshTokens = true;

        /** Prefix of every access and refresh token issued (tests put their secret marker in it). */
        public Builder tokenPrefix(String value) {
            tokenPrefix = value;
            return this;
        }

        /** Whether each refresh-token grant issues a new refresh token and revokes the one used (default true). */
        public Builder rotateRefreshTokens(boolean value) {
            rotateRefreshTokens = value;
            return this;
        }

        public TestTokenServer start() {
            return new TestTokenServer(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:<port>/oauth2/token}. */
    public URI tokenUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/oauth2/token");
    }

    /** Registers a confidential client; requests must authenticate with {@code method}. */
    public TestTokenServer client(String clientId, String secret, AuthMethod method) {
        clients.put(clientId, new Client(secret, method));
        return this;
    }

    /** Requested scopes must be among these (unset: any scope). */
    public TestTokenServer allowScopes(String... scopes) {
        allowedScopes = Set.of(scopes);
        return this;
    }

    /** The {@code expires_in} of the next tokens. */
    public TestTokenServer expiresIn(long seconds) {
        expiresInSeconds = seconds;
        return this;
    }

    /** A refresh token for the client, as a user's consent would have produced. */
    public String issueRefreshToken(String clientId) {
        String token = tokenPrefix + "refresh-" + issued.incrementAndGet();
        refreshTokens.put(token, clientId);
        return token;
    }

    /** Every following call answers {@code status} with §5.2 error {@code error}, until {@link #recover()}. */
    public TestTokenServer failWith(int status, String error) {
        failure = new Failure(status, error);
        return this;
    }

    public TestTokenServer recover() {
        failure = null;
        return this;
    }

    /** Whether the server issued this access token (what a resource server would check). */
    public boolean issuedAccessToken(String token) {
        return accessTokens.contains(token);
    }

    /** Whether the refresh token is currently valid. */
    public boolean refreshTokenValid(String token) {
        return refreshTokens.containsKey(token);
    }

    public int calls() {
        return calls.size();
    }

    public List<Call> recordedCalls() {
        return List.copyOf(calls);
    }

    public Call lastCall() {
        return calls.get(calls.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            Map<String, List<String>> form = parseForm(new String(body.readAllBytes(), StandardCharsets.UTF_8));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            int status;
            Map<String, Object> answer = new LinkedHashMap<>();
            if (!"POST".equals(exchange.getRequestMethod())) {
                status = error(answer, 405, "invalid_request", "POST only");
            } else if (!String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"))
                    .startsWith("application/x-www-form-urlencoded")) {
                status = error(answer, 400, "invalid_request", "form encoding required");
            } else {
                status = answer(form, authorization, answer);
            }
            calls.add(new Call(form, authorization, status));
            byte[] bytes = JSON.writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (status == 401 && authorization != null) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"token\"");
            }
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private int answer(Map<String, List<String>> form, String authorization, Map<String, Object> answer) {
        Failure injected = failure;
        if (injected != null) {
            return error(answer, injected.status, injected.error, "injected failure");
        }
        String[] basic = basicCredentials(authorization);
        String bodySecret = first(form, "client_secret");
        if (basic != null && bodySecret != null) {
            return error(answer, 400, "invalid_request", "more than one client authentication method");
        }
        String clientId = basic != null ? basic[0] : first(form, "client_id");
        Client client = clientId == null ? null : clients.get(clientId);
        AuthMethod used = basic != null ? AuthMethod.BASIC : AuthMethod.POST;
        String secret = basic != null ? basic[1] : bodySecret;
        if (client == null || client.method != used || !client.secret.equals(secret)) {
            return error(answer, 401, "invalid_client", "client authentication failed");
        }
        String grant = first(form, "grant_type");
        if ("refresh_token".equals(grant)) {
            String presented = first(form, "refresh_token");
            if (presented == null || !clientId.equals(refreshTokens.get(presented))) {
                return error(answer, 400, "invalid_grant", "refresh token unknown, revoked or issued to another client");
            }
            if (rotateRefreshTokens) {
                refreshTokens.remove(presented);
                answer.put("refresh_token", issueRefreshToken(clientId));
            }
        } else if (!"client_credentials".equals(grant)) {
            return error(answer, 400, "unsupported_grant_type", "grant " + grant + " is not supported");
        }
        String scope = first(form, "scope");
        Set<String> allowed = allowedScopes;
        if (scope != null && allowed != null && !allowed.containsAll(Arrays.asList(scope.split(" ")))) {
            return error(answer, 400, "invalid_scope", "requested scope exceeds what the client may have");
        }
        String accessToken = tokenPrefix + "access-" + issued.incrementAndGet();
        accessTokens.add(accessToken);
        answer.put("access_token", accessToken);
        answer.put("token_type", "Bearer");
        answer.put("expires_in", expiresInSeconds);
        if (scope != null) {
            answer.put("scope", scope);
        }
        return 200;
    }

    private static int error(Map<String, Object> answer, int status, String error, String description) {
        answer.clear();
        answer.put("error", error);
        answer.put("error_description", description);
        return status;
    }

    /** {@code [id, secret]} from {@code Basic base64(urlencode(id):urlencode(secret))}, or null. */
    private static String[] basicCredentials(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        if (colon < 0) {
            return null;
        }
        return new String[]{URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8),
                URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8)};
    }

    private static Map<String, List<String>> parseForm(String body) {
        Map<String, List<String>> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            form.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return form;
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
