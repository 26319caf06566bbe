package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.regions.Region;

import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential test: the aws_sigv4 strategy and the AWS SDK for Java v2 signer sign the same
 * randomised requests (fixed seed) and must produce the same Authorization header. The SDK signs every
 * header it is given, so it only receives the headers the strategy signs; the strategy's request also
 * carries headers it must leave unsigned (User-Agent, Accept, X-Request-Id).
 */
class SigV4SdkDifferentialTest {

    private static final int REQUESTS = 300;
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"};
    private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-southeast-2"};
    /** Characters for random path segments, query names and values: unreserved, reserved, space, UTF-8. */
    private static final String ALPHABET = "abcXYZ019-._~ !$&'()*+,;=:@/?#[]%\"<>^`{|}é€ሴ";

    @ParameterizedTest(name = "service {0}")
    @ValueSource(strings = {"execute-api", "s3"})
    void authorizationMatchesTheSdkSigner(String service) {
        Random random = new Random(service.hashCode() * 31L + 20260101L);
        for (int i = 0; i < REQUESTS; i++) {
            RandomRequest generated = RandomRequest.generate(random, service);
            String ours = signWithStrategy(generated);
            String theirs = signWithSdk(generated);
            assertEquals(theirs, ours, "request #" + i + ": " + generated);
        }
    }

    private static String signWithStrategy(RandomRequest generated) {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(generated.method),
                generated.wirePath + (generated.wireQuery == null ? "" : "?" + generated.wireQuery));
        head.headers().add("Host", generated.host);
        generated.signedHeaders.forEach((name, values) -> values.forEach(v -> head.headers().add(name, v)));
        head.headers().add("User-Agent", "agent/1.0   (placeholder)");
        head.headers().add("Accept", "*/*");
        head.headers().add("X-Request-Id", Integer.toHexString(generated.hashCode()));
        head.headers().add("Authorization", "AWS4-HMAC-SHA256 Credential=nexus-placeholder/...");
        head.headers().add("Content-Length", Integer.toString(generated.body.length));
        ByteBuf body = Unpooled.wrappedBuffer(generated.body);
        try {
            OutboundRequest request = new OutboundRequest("https", generated.host, 443, head, body, generated.time);
            CredentialStrategy strategy = Strategies.create(new StrategySpec("aws_sigv4",
                    Map.of("region", generated.region, "service", generated.service)), StrategyOptions.DEFAULT);
            Map<String, String> credentials = new HashMap<>(Map.of("access_key", generated.accessKey, "secret_key", generated.secretKey));
            if (generated.sessionToken != null) {
                credentials.put("session_token", generated.sessionToken);
            }
            strategy.stripAgentCredentials(request);
            strategy.apply(request, new Lease("c", StrategySpec.of("aws_sigv4"), credentials, null, generated.time));
            return head.headers().get("Authorization");
        } finally {
            body.release();
        }
    }

    private static String signWithSdk(RandomRequest generated) {
        SdkHttpFullRequest.Builder builder = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.fromValue(generated.method))
                .protocol("https").host(generated.host).port(443)
                .encodedPath(generated.wirePath)
                .putHeader("Host", generated.host)
                .contentStreamProvider(() -> new ByteArrayInputStream(generated.body));
        generated.decodedQuery.forEach((name, values) -> builder.putRawQueryParameter(name, values));
        generated.signedHeaders.forEach(builder::putHeader);
        // The strategy always sends the payload hash header, and signs it like any x-amz-* header.
        builder.putHeader("x-amz-content-sha256", ByteBufUtil.hexDump(Digests.sha256(generated.body)));
        AwsCredentials credentials = generated.sessionToken == null
                ? AwsBasicCredentials.create(generated.accessKey, generated.secretKey)
                : AwsSessionCredentials.create(generated.accessKey, generated.secretKey, generated.sessionToken);
        boolean s3 = generated.service.equals("s3");
        Aws4SignerParams params = Aws4SignerParams.builder()
                .awsCredentials(credentials)
                .signingName(generated.service)
                .signingRegion(Region.of(generated.region))
                .signingClockOverride(Clock.fixed(generated.time, ZoneOffset.UTC))
                .doubleUrlEncode(!s3)
                .normalizePath(!s3)
                .build();
        return Aws4Signer.create().sign(builder.build(), params).firstMatchingHeader("Authorization").orElseThrow();
    }

    /** One random request, in the wire form (for the strategy) and the decoded form (for the SDK). */
    private record RandomRequest(String method, String host, String wirePath, String wireQuery,
                                 Map<String, List<String>> decodedQuery, Map<String, List<String>> signedHeaders,
                                 byte[] body, String service, String region, Instant time,
                                 String accessKey, String secretKey, String sessionToken) {

        static RandomRequest generate(Random random, String service) {
            String method = METHODS[random.nextInt(METHODS.length)];
            StringBuilder path = new StringBuilder();
            int segments = random.nextInt(4);
            for (int s = 0; s < segments; s++) {
                // Dot segments are left to the official vectors (get-relative, get-slash-dot-slash, ...):
                // for "/a/." and "/a/b/.." the SDK drops the trailing slash that RFC 3986 remove_dot_segments
                // (and this canonicaliser) keeps.
                String segment = randomText(random, 1, 8);
                path.append('/').append(UriEncoding.encode(segment.equals(".") || segment.equals("..") ? "x" + segment : segment));
            }
            if (segments == 0 || random.nextInt(4) == 0) {
                path.append('/');
            }
            Map<String, List<String>> decodedQuery = new LinkedHashMap<>();
            List<String> wireParameters = new ArrayList<>();
            int parameters = random.nextInt(5);
            for (int p = 0; p < parameters; p++) {
                String name = randomText(random, 1, 6);
                String value = random.nextInt(5) == 0 ? "" : randomText(random, 0, 10);
                decodedQuery.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
                wireParameters.add(UriEncoding.encode(name) + (value.isEmpty() && random.nextBoolean() ? "" : "=" + UriEncoding.encode(value)));
            }
            Map<String, List<String>> headers = new TreeMap<>();
            if (random.nextBoolean()) {
                headers.put("Content-Type", List.of("application/json;  charset=utf-8"));
            }
            if (random.nextInt(4) == 0) {
                headers.put("Content-MD5", List.of("1B2M2Y8AsgTpgAmY7PhCfg=="));
            }
            if (random.nextBoolean()) {
                headers.put("X-Amz-Target", List.of("Service_" + random.nextInt(100) + ".Operation"));
            }
            if (random.nextBoolean()) {
                headers.put("x-amz-meta-tags", List.of("a  b", "c   d"));
            }
            byte[] body = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(2048)];
            random.nextBytes(body);
            Instant time = Instant.parse("2020-01-01T00:00:00Z").plusSeconds(random.nextInt(200_000_000));
            String token = random.nextBoolean() ? "FwoGZXIvYXdzE" + random.nextInt(1_000_000) + "/token+=" : null;
            return new RandomRequest(method, "svc" + random.nextInt(10) + ".example.amazonaws.com", path.toString(),
                    parameters == 0 ? null : String.join("&", wireParameters), decodedQuery, headers, body, service,
                    REGIONS[random.nextInt(REGIONS.length)], time, "AKID" + random.nextInt(1_000_000),
                    "secret/" + random.nextLong(), token);
        }

        private static String randomText(Random random, int minLength, int maxLength) {
            int length = minLength + random.nextInt(maxLength - minLength + 1);
            StringBuilder text = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            return text.toString();
        }

        @Override
        public String toString() {
            return method + " " + wirePath + (wireQuery == null ? "" : "?" + wireQuery) + " headers=" + signedHeaders
                    + " body=" + body.length + "B service=" + service;
        }
    }
}
