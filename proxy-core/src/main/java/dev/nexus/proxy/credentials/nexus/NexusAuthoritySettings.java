package dev.nexus.proxy.credentials.nexus;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the Authority's v1 gateway. {@link #toString()} never prints the API key.
 *
 * @param baseUrl           gateway base URL, e.g. {@code https://nexus.example.com}; the {@code /v1/...}
 *                          paths are appended to it (a base path such as {@code /gateway} is kept)
 * @param apiKey            the proxy's API key for the gateway, or {@code null} when the gateway needs none
 * @param apiKeyHeader      header carrying the API key (default {@value #DEFAULT_API_KEY_HEADER})
 * @param connectTimeout    TCP + TLS connect timeout (default 2 s)
 * @param responseTimeout   time from sending the request to the end of the response headers (default 5 s)
 * @param caBundle          PEM file of CA certificates to trust instead of the JVM's, or {@code null}
 * @param clientCertificate PEM certificate chain for mutual TLS, or {@code null}
 * @param clientKey         PEM private key (PKCS#8 or PKCS#1, unencrypted) for {@code clientCertificate}, or {@code null}
 */
public record NexusAuthoritySettings(URI baseUrl, String apiKey, String apiKeyHeader, Duration connectTimeout,
                                     Duration responseTimeout, Path caBundle, Path clientCertificate, Path clientKey) {

    public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(5);

    public NexusAuthoritySettings {
        Objects.requireNonNull(baseUrl, "authority base URL");
        String scheme = baseUrl.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("authority base URL must be an absolute http(s) URL, got: " + baseUrl);
        }
        if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("authority base URL must not have a query or fragment: " + baseUrl);
        }
        apiKeyHeader = apiKeyHeader == null || apiKeyHeader.isBlank() ? DEFAULT_API_KEY_HEADER : apiKeyHeader;
        connectTimeout = positive(connectTimeout, DEFAULT_CONNECT_TIMEOUT, "connect timeout");
        responseTimeout = positive(responseTimeout, DEFAULT_RESPONSE_TIMEOUT, "response timeout");
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException("authority client certificate and client key must be set together");
        }
    }

    /** Plain settings: default header and timeouts, JVM trust store, no client certificate. */
    public static NexusAuthoritySettings of(URI baseUrl, String apiKey) {
        return new NexusAuthoritySettings(baseUrl, apiKey, null, null, null, null, null, null);
    }

    public NexusAuthoritySettings withTimeouts(Duration connect, Duration response) {
        return new NexusAuthoritySettings(baseUrl, apiKey, apiKeyHeader, connect, response, caBundle, clientCertificate, clientKey);
    }

    public NexusAuthoritySettings withApiKeyHeader(String header) {
        return new NexusAuthoritySettings(baseUrl, apiKey, header, connectTimeout, responseTimeout, caBundle, clientCertificate, clientKey);
    }

    public NexusAuthoritySettings withTls(Path caBundle, Path clientCertificate, Path clientKey) {
        return new NexusAuthoritySettings(baseUrl, apiKey, apiKeyHeader, connectTimeout, responseTimeout, caBundle, clientCertificate, clientKey);
    }

    private static Duration positive(Duration value, Duration fallback, String name) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("authority " + name + " must be positive, got " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "NexusAuthoritySettings[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "(set)")
                + ", apiKeyHeader=" + apiKeyHeader + ", connectTimeout=" + connectTimeout
                + ", responseTimeout=" + responseTimeout + ", caBundle=" + caBundle
                + ", clientCertificate=" + clientCertificate + ", clientKey=" + clientKey + "]";
    }
}
