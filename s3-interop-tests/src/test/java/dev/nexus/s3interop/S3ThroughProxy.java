package dev.nexus.s3interop;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.ProxyHarness;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.ProxyConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

import java.net.URI;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What every S3 interop test shares: a proxy whose one route signs everything with the real key through the
 * {@code aws_sigv4} strategy, while the clients hold only {@link #PLACEHOLDER}.
 */
final class S3ThroughProxy {

    static final String REAL_ACCESS_KEY = "AKIDREALKEY";
    static final String REAL_SECRET = "real-s3-secret-never-logged";
    static final AwsBasicCredentials PLACEHOLDER = AwsBasicCredentials.create("nexus-placeholder", "nexus-placeholder");

    private S3ThroughProxy() {
    }

    /** @param strategyOptions the route's {@code aws_sigv4} options beside {@code service: s3} */
    static ProxyHarness startProxy(Map<String, String> strategyOptions) throws InterruptedException {
        Map<String, String> options = new HashMap<>(strategyOptions);
        options.put("service", "s3");
        FixedLeases leases = new FixedLeases().add("s3", new StrategySpec("aws_sigv4", Map.copyOf(options)),
                v -> Map.of("access_key", REAL_ACCESS_KEY, "secret_key", REAL_SECRET));
        return ProxyHarness.builder()
                .policy(request -> new Decision.Inject("s3", "s3 through the proxy", new RouteOptions(false, List.of(), null,
                        RouteOptions.DEFAULT_MAX_BODY_BYTES, false), address -> true, "s3", null))
                .injector(new CredentialInjector(leases)).start();
    }

    /** The SDK's HTTP client sending everything through {@code proxy}, whatever the environment says. */
    static SdkHttpClient httpVia(ProxyHarness proxy) {
        return UrlConnectionHttpClient.builder().proxyConfiguration(ProxyConfiguration.builder()
                .endpoint(URI.create("http://127.0.0.1:" + proxy.address().getPort())).useSystemPropertyValues(false)
                .useEnvironmentVariablesValues(false).nonProxyHosts(Set.of()).build()).build();
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
