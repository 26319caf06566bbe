package dev.nexus.bench.jmh;

import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.credentials.Lease;
import dev.nexus.proxy.strategy.CredentialStrategy;
import dev.nexus.proxy.strategy.OutboundRequest;
import dev.nexus.proxy.strategy.Strategies;
import dev.nexus.proxy.strategy.StrategyOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Cost of stripping the agent's credentials and applying a strategy to a typical request, per
 * request: {@code header} (no body), {@code aws_sigv4} over a 1 KiB body, {@code hmac_payload} over
 * 1 KiB and 1 MiB. Each benchmark reuses one request, so it measures the steady state the proxy sees
 * (strip removes what the previous apply added). Run with {@code -prof gc} for allocation per op.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class StrategyBenchmark {

    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    private CredentialStrategy header;
    private CredentialStrategy sigv4;
    private CredentialStrategy hmac;
    private Lease headerLease;
    private Lease sigv4Lease;
    private Lease hmacLease;
    private ByteBuf body1KiB;
    private ByteBuf body1MiB;
    private OutboundRequest headerRequest;
    private OutboundRequest sigv4Request;
    private OutboundRequest hmac1KiBRequest;
    private OutboundRequest hmac1MiBRequest;

    @Setup(Level.Trial)
    public void setUp() {
        header = Strategies.create(new StrategySpec("header", Map.of("header_name", "Authorization", "value_prefix", "Bearer ")),
                StrategyOptions.DEFAULT);
        sigv4 = Strategies.create(new StrategySpec("aws_sigv4", Map.of("service", "dynamodb", "region", "eu-west-1")),
                StrategyOptions.DEFAULT);
        hmac = Strategies.create(new StrategySpec("hmac_payload", Map.of("header_name", "X-Signature")), StrategyOptions.DEFAULT);
        headerLease = lease("header", Map.of("api_key", "sk-live-0123456789abcdef0123456789abcdef"));
        sigv4Lease = lease("aws_sigv4", Map.of("access_key", "AKIAIOSFODNN7EXAMPLE",
                "secret_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session_token", "FwoGZXIvYXdzEXAMPLETOKEN"));
        hmacLease = lease("hmac_payload", Map.of("api_secret", "whsec_0123456789abcdef"));
        body1KiB = randomBody(1024);
        body1MiB = randomBody(1024 * 1024);
        headerRequest = request("GET", "/v1/chat/completions?stream=false", null, "api.openai.com");
        sigv4Request = request("POST", "/", body1KiB, "dynamodb.eu-west-1.amazonaws.com");
        sigv4Request.headers().set("Content-Type", "application/x-amz-json-1.0");
        sigv4Request.headers().set("X-Amz-Target", "DynamoDB_20120810.PutItem");
        hmac1KiBRequest = request("POST", "/webhooks/events", body1KiB, "hooks.example.com");
        hmac1MiBRequest = request("POST", "/webhooks/events", body1MiB, "hooks.example.com");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        body1KiB.release();
        body1MiB.release();
    }

    @Benchmark
    public OutboundRequest header() {
        return inject(header, headerRequest, headerLease);
    }

    @Benchmark
    public OutboundRequest sigv4Body1KiB() {
        return inject(sigv4, sigv4Request, sigv4Lease);
    }

    @Benchmark
    public OutboundRequest hmacBody1KiB() {
        return inject(hmac, hmac1KiBRequest, hmacLease);
    }

    @Benchmark
    public OutboundRequest hmacBody1MiB() {
        return inject(hmac, hmac1MiBRequest, hmacLease);
    }

    private static OutboundRequest inject(CredentialStrategy strategy, OutboundRequest request, Lease lease) {
        strategy.stripAgentCredentials(request);
        strategy.apply(request, lease);
        return request;
    }

    /** A request with the headers a typical SDK sends. */
    private static OutboundRequest request(String method, String uri, ByteBuf body, String host) {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        head.headers().set("Host", host)
                .set("User-Agent", "python-requests/2.32.3")
                .set("Accept", "application/json")
                .set("Accept-Encoding", "gzip, deflate")
                .set("Content-Length", body == null ? "0" : Integer.toString(body.readableBytes()))
                .set("X-Request-Id", "6f1c1b5e-9d55-4a47-9b8e-2f4f7b0d9a11");
        return new OutboundRequest("https", host, 443, head, body, NOW);
    }

    private static Lease lease(String type, Map<String, String> credentials) {
        return new Lease("bench", StrategySpec.of(type), credentials, null, NOW);
    }

    private static ByteBuf randomBody(int size) {
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        return Unpooled.directBuffer(size).writeBytes(bytes);
    }
}
