package dev.nexus.proxy.credentials.oauth2;

import dev.nexus.proxy.credentials.CredentialException;
import dev.nexus.proxy.credentials.CredentialException.Kind;
import dev.nexus.proxy.credentials.CredentialSource;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.credentials.http.CredentialHttpClient;
import dev.nexus.proxy.credentials.http.TlsFiles;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Access tokens straight from OAuth 2.0 token endpoints, for setups without a Nexus Authority: per connection
 * the client-credentials grant (RFC 6749 §4.4) or the refresh-token grant (§6, with rotated refresh tokens
 * written back to their file), with scopes, {@code audience} and RFC 8707 {@code resource} indicators, and
 * {@code client_secret_basic} or {@code client_secret_post}. Each answer becomes a lease with
 * {@code access_token} and {@code token_type} under the connection's strategy (default {@code oauth2}),
 * expiring {@code expires_in} after the request was sent.
 * <p>
 * {@link #fetch} and {@link #refresh} both request a new token; the lease cache in front decides when. Calls
 * for one connection run one after another, so a rotated refresh token is never presented twice. Files are
 * read and written on the HTTP client's threads, never on the caller's. Client secrets and refresh tokens
 * appear nowhere but in the request to the token endpoint.
 */
public final class OAuth2CredentialSource implements CredentialSource {

    private static final Logger LOG = Logger.getLogger(OAuth2CredentialSource.class.getName());

    private final Map<String, OAuth2Connection> connections;
    private final Map<String, RefreshTokenFile> refreshTokens = new LinkedHashMap<>();
    private final Clock clock;
    private final CredentialHttpClient client;
    /** The last call per connection; the next one starts when it is done. */
    private final Map<String, CompletableFuture<Lease>> lastCall = new ConcurrentHashMap<>();

    /**
     * @param tls CA bundle (and client certificate) for HTTPS token endpoints
     * @throws IllegalArgumentException when a secret or refresh token file is missing or readable by other users,
     *                                  two connections share an id, or the TLS files cannot be used
     */
    public OAuth2CredentialSource(Collection<OAuth2Connection> connections, Duration connectTimeout,
                                  Duration responseTimeout, TlsFiles tls, Clock clock) {
        Map<String, OAuth2Connection> byId = new LinkedHashMap<>();
        for (OAuth2Connection connection : connections) {
            if (byId.putIfAbsent(connection.connectionId(), connection) != null) {
                throw new IllegalArgumentException("oauth2 connection " + connection.connectionId() + " is defined twice");
            }
            if (connection.clientSecret() != null) {
                connection.clientSecret().checkPrivate();
            }
            if (connection.refreshTokenFile() != null) {
                SecretSource.requirePrivate(connection.refreshTokenFile(), "refresh token file");
                refreshTokens.put(connection.connectionId(),
                        new RefreshTokenFile(connection.connectionId(), connection.refreshTokenFile()));
            }
        }
        this.connections = Map.copyOf(byId);
        this.clock = clock;
        this.client = new CredentialHttpClient("the token endpoint", "nexus-oauth2-client", connectTimeout,
                responseTimeout, tls);
        LOG.info(() -> "oauth2 credential source: " + byId.values());
    }

    @Override
    public CompletableFuture<Lease> fetch(String connectionId) {
        return requestToken(connectionId);
    }

    @Override
    public CompletableFuture<Lease> refresh(String connectionId) {
        return requestToken(connectionId);
    }

    /** The connection ids this source serves. */
    public java.util.Set<String> connectionIds() {
        return connections.keySet();
    }

    private CompletableFuture<Lease> requestToken(String connectionId) {
        OAuth2Connection connection = connections.get(connectionId);
        if (connection == null) {
            return CompletableFuture.failedFuture(new CredentialException(Kind.NOT_FOUND, connectionId,
                    "no oauth2 connection with this id is configured"));
        }
        CompletableFuture<Lease> call = new CompletableFuture<>();
        CompletableFuture<Lease> previous = lastCall.put(connectionId, call);
        CompletableFuture<?> turn = previous == null ? CompletableFuture.completedFuture(null) : previous.handle((l, e) -> null);
        turn.thenComposeAsync(ignored -> exchange(connection), client.executor()).whenComplete((lease, error) -> {
            lastCall.remove(connectionId, call);
            if (error == null) {
                call.complete(lease);
            } else {
                call.completeExceptionally(CredentialHttpClient.unwrap(error));
            }
        });
        return call.copy();
    }

    /** One request and its answer; runs on the client's threads. */
    private CompletableFuture<Lease> exchange(OAuth2Connection connection) {
        TokenRequest request = prepare(connection);
        Instant sentAt = clock.instant();
        return client.send(request.http()).handleAsync((response, failure) -> {
            try {
                if (failure != null) {
                    throw client.transportFailure(failure, connection.connectionId(), TokenAnswers.shown(connection.tokenUrl()));
                }
                return lease(connection, request, response, sentAt);
            } catch (CredentialException e) {
                LOG.log(Level.FINE, () -> "token request failed: " + e.getMessage());
                throw new CompletionException(e);
            }
        }, client.executor());
    }

    private TokenRequest prepare(OAuth2Connection connection) {
        String secret = null;
        if (connection.clientSecret() != null) {
            try {
                secret = connection.clientSecret().read();
            } catch (IOException e) {
                throw new CredentialException(Kind.AUTHORITY_UNAUTHORIZED, connection.connectionId(), e.getMessage());
            }
        }
        RefreshTokenFile refreshToken = refreshTokens.get(connection.connectionId());
        return new TokenRequest(connection, secret, refreshToken == null ? null : refreshToken.read());
    }

    private Lease lease(OAuth2Connection connection, TokenRequest request, HttpResponse<byte[]> response, Instant sentAt) {
        TokenAnswers.Answer answer = TokenAnswers.read(response.statusCode(), response.body(), connection, request);
        RefreshTokenFile refreshToken = refreshTokens.get(connection.connectionId());
        if (refreshToken != null && answer.refreshToken() != null && !answer.refreshToken().equals(request.refreshToken())) {
            keep(connection, refreshToken, answer.refreshToken());
        }
        Map<String, String> credentials = new LinkedHashMap<>();
        credentials.put("access_token", answer.accessToken());
        if (answer.tokenType() != null) {
            credentials.put("token_type", answer.tokenType());
        }
        Instant expiresAt = answer.expiresIn() == null ? null : sentAt.plus(answer.expiresIn());
        Lease lease = new Lease(connection.connectionId(), connection.strategy(), credentials, expiresAt, clock.instant());
        LOG.log(Level.FINE, () -> "token for connection " + connection.connectionId() + ": " + answer + ", " + lease);
        return lease;
    }

    /** Writes the rotated refresh token; the old one is already spent, so a failed write needs a human. */
    private static void keep(OAuth2Connection connection, RefreshTokenFile file, String rotated) {
        try {
            file.write(rotated);
            LOG.fine(() -> "connection " + connection.connectionId() + ": rotated refresh token written to " + file.path());
        } catch (IOException e) {
            LOG.severe(() -> "connection " + connection.connectionId() + ": the token endpoint rotated the refresh token"
                    + " but it could not be written to " + file.path() + " (" + e.getMessage() + "); the current access"
                    + " token works until it expires, after that a new refresh token must be put in the file");
        }
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "OAuth2CredentialSource" + connections.keySet();
    }
}
