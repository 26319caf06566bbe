package dev.nexus.proxy.credentials.oauth2;

import dev.nexus.policy.model.StrategySpec;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How one connection gets its access tokens from an OAuth 2.0 token endpoint. Start from
 * {@link #clientCredentials} or {@link #refreshToken} and add what the server needs with the
 * {@code with...} methods. {@link #toString()} names where secrets come from, never a secret.
 *
 * @param connectionId   the Nexus connection id routes name
 * @param tokenUrl       the token endpoint, {@code http(s)://...} without user-info or fragment
 * @param grant          client credentials (RFC 6749 §4.4) or refresh token (§6)
 * @param clientId       the client identifier
 * @param clientSecret   the client secret; {@code null} only for a public client using the refresh-token grant
 * @param authentication how the secret is presented (default {@link ClientAuthentication#CLIENT_SECRET_BASIC})
 * @param scopes         requested scopes ({@code scope}, space-joined), possibly empty
 * @param audience       {@code audience} parameter (Auth0, Okta and others), or {@code null}
 * @param resources      RFC 8707 {@code resource} indicators (absolute URIs without fragment), possibly empty
 * @param refreshTokenFile for the refresh-token grant: the private file holding the current refresh token,
 *                       rewritten atomically (mode 0600) when the server rotates it; {@code null} otherwise
 * @param strategy       how the lease is applied (default {@code oauth2}: {@code Authorization: Bearer <access_token>})
 */
public record OAuth2Connection(String connectionId, URI tokenUrl, OAuth2Grant grant, String clientId,
                               SecretSource clientSecret, ClientAuthentication authentication, List<String> scopes,
                               String audience, List<URI> resources, Path refreshTokenFile, StrategySpec strategy) {

    public static final StrategySpec DEFAULT_STRATEGY = StrategySpec.of("oauth2");

    public OAuth2Connection {
        requireText(connectionId, "connection id");
        Objects.requireNonNull(grant, "grant");
        requireText(clientId, "client_id");
        checkTokenUrl(tokenUrl);
        authentication = authentication == null ? ClientAuthentication.CLIENT_SECRET_BASIC : authentication;
        scopes = List.copyOf(scopes);
        for (String scope : scopes) {
            // RFC 6749 §3.3: scope tokens are printable ASCII without space, '"' or '\'.
            if (scope.isEmpty() || !scope.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                throw new IllegalArgumentException("connection " + connectionId + ": scope '" + scope
                        + "' is not a valid OAuth 2 scope token (printable ASCII without spaces, quotes or backslashes)");
            }
        }
        resources = List.copyOf(resources);
        for (URI resource : resources) {
            if (!resource.isAbsolute() || resource.getRawFragment() != null) {
                throw new IllegalArgumentException("connection " + connectionId + ": resource '" + resource
                        + "' must be an absolute URI without a fragment (RFC 8707)");
            }
        }
        strategy = strategy == null ? DEFAULT_STRATEGY : strategy;
        if (grant == OAuth2Grant.CLIENT_CREDENTIALS && clientSecret == null) {
            throw new IllegalArgumentException("connection " + connectionId + ": the client_credentials grant needs a client secret");
        }
        if (grant == OAuth2Grant.REFRESH_TOKEN && refreshTokenFile == null) {
            throw new IllegalArgumentException("connection " + connectionId + ": the refresh_token grant needs a refresh token file");
        }
        if (grant != OAuth2Grant.REFRESH_TOKEN && refreshTokenFile != null) {
            throw new IllegalArgumentException("connection " + connectionId + ": a refresh token file is only used by the refresh_token grant");
        }
    }

    /** A client-credentials connection with Basic authentication, no scopes and the {@code oauth2} strategy. */
    public static OAuth2Connection clientCredentials(String connectionId, URI tokenUrl, String clientId, SecretSource secret) {
        return new OAuth2Connection(connectionId, tokenUrl, OAuth2Grant.CLIENT_CREDENTIALS, clientId, secret, null,
                List.of(), null, List.of(), null, null);
    }

    /** A refresh-token connection; {@code secret} may be {@code null} for a public client. */
    public static OAuth2Connection refreshToken(String connectionId, URI tokenUrl, String clientId, SecretSource secret,
                                                Path refreshTokenFile) {
        return new OAuth2Connection(connectionId, tokenUrl, OAuth2Grant.REFRESH_TOKEN, clientId, secret, null,
                List.of(), null, List.of(), refreshTokenFile, null);
    }

    public OAuth2Connection withAuthentication(ClientAuthentication value) {
        return new OAuth2Connection(connectionId, tokenUrl, grant, clientId, clientSecret, value, scopes, audience,
                resources, refreshTokenFile, strategy);
    }

    public OAuth2Connection withScopes(List<String> value) {
        return new OAuth2Connection(connectionId, tokenUrl, grant, clientId, clientSecret, authentication, value, audience,
                resources, refreshTokenFile, strategy);
    }

    public OAuth2Connection withAudience(String value) {
        return new OAuth2Connection(connectionId, tokenUrl, grant, clientId, clientSecret, authentication, scopes, value,
                resources, refreshTokenFile, strategy);
    }

    public OAuth2Connection withResources(List<URI> value) {
        return new OAuth2Connection(connectionId, tokenUrl, grant, clientId, clientSecret, authentication, scopes, audience,
                value, refreshTokenFile, strategy);
    }

    public OAuth2Connection withStrategy(StrategySpec value) {
        return new OAuth2Connection(connectionId, tokenUrl, grant, clientId, clientSecret, authentication, scopes, audience,
                resources, refreshTokenFile, value);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }

    private static void checkTokenUrl(URI url) {
        Objects.requireNonNull(url, "token URL");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("token URL must be an absolute http(s) URL, got: " + url);
        }
        if (url.getRawUserInfo() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("token URL must have neither user-info nor a fragment");
        }
    }

    @Override
    public String toString() {
        return "OAuth2Connection[" + connectionId + ", " + grant.wireName() + " at " + tokenUrl + ", client_id=" + clientId
                + ", secret=" + (clientSecret == null ? "none" : clientSecret.toString())
                + ", auth=" + authentication.name().toLowerCase(Locale.ROOT) + ", scopes=" + scopes
                + (audience == null ? "" : ", audience=" + audience) + ", resources=" + resources
                + (refreshTokenFile == null ? "" : ", refresh_token_file=" + refreshTokenFile)
                + ", strategy=" + strategy.type() + "]";
    }
}
