package dev.nexus.proxy.strategy;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.StrategySpec;
import dev.nexus.proxy.decision.PolicyDecider;
import dev.nexus.proxy.inject.CredentialInjector;
import dev.nexus.proxy.testing.FixedLeases;
import dev.nexus.proxy.testing.LogCapture;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.nexus.proxy.strategy.AwsChunkedExample.DECODED_LENGTH;
import static dev.nexus.proxy.strategy.AwsChunkedExample.body;
import static dev.nexus.proxy.strategy.AwsChunkedExample.chain;
import static dev.nexus.proxy.strategy.AwsChunkedExample.data;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * aws-chunked uploads through the proxy on real sockets: an agent signs with its placeholder key, the
 * origin receives every chunk re-signed with the real key at the same length; a body with broken framing
 * is answered 400, the connection closes and the origin never sees a complete request.
 */
class AwsChunkedUploadThroughProxyTest {

    private static final String REAL_SECRET = "real-s3-secret-never-logged";
    private static final String PLACEHOLDER = "nexus-placeholder-secret";
    private static final Pattern SIGNATURE = Pattern.compile("Signature=([0-9a-f]{64})");

    private final FixedLeases leases = new FixedLeases();
    private TestOrigin origin;
    private ProxyHarness proxy;
    private LogCapture logs;

    @BeforeEach
    void start() throws Exception {
        logs = new LogCapture();
        origin = TestOrigin.start(TestOrigin.Responder.of(request -> TestOrigin.text(HttpResponseStatus.OK, "stored")));
        leases.add("s3", new StrategySpec("aws_sigv4", Map.of("service", "s3", "region", "eu-west-1")),
                        v -> Map.of("access_key", "AKIDREAL", "secret_key", REAL_SECRET))
                .add("s3-verify", new StrategySpec("aws_sigv4", Map.of("service", "s3", "region", "eu-west-1",
                        "agent_secret_key", PLACEHOLDER)), v -> Map.of("access_key", "AKIDREAL", "secret_key", REAL_SECRET));
        PolicyDecider byPath = request -> new Decision.Inject("route-s3", "test", new RouteOptions(false, List.of(), null,
                1 << 20, false), address -> true, request.path().split("/")[1], null);
        proxy = ProxyHarness.builder().policy(byPath).injector(new CredentialInjector(leases)).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
        String everything = logs.text();
        logs.close();
        assertThat(everything).doesNotContain(REAL_SECRET).doesNotContain(PLACEHOLDER);
    }

    @Test
    void placeholderSignedChunksReachTheOriginReSignedWithTheRealKey() throws Exception {
        byte[] agentBody = body(data(), chain(PLACEHOLDER, "f".repeat(64)), "x-amz-checksum-crc32:AAAAAA==");
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(head("s3-verify", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", agentBody.length, "f".repeat(64)));
            agent.send(agentBody);
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
        RecordedRequest seen = origin.lastRequest();
        Matcher seed = SIGNATURE.matcher(seen.header("authorization"));
        assertThat(seed.find()).isTrue();
        byte[] expected = body(data(), chain(REAL_SECRET, seen.header("x-amz-date"), "eu-west-1", seed.group(1)),
                "x-amz-checksum-crc32:AAAAAA==");
        assertThat(seen.header("content-length")).isEqualTo(String.valueOf(agentBody.length));
        assertThat(seen.body()).isEqualTo(expected);
        assertThat(seen.header("authorization")).contains("Credential=AKIDREAL/").doesNotContain("placeholder");
    }

    @Test
    void aChunkTheAgentsKeyDidNotSignIsRefusedWith400AndTheConnectionClosed() throws Exception {
        byte[] forged = body(data(), chain("not-the-placeholder", "f".repeat(64)));
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(head("s3-verify", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", forged.length, "f".repeat(64)));
            agent.send(forged);
            String answer = agent.readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 400").contains("malformed_request")
                    .contains("the chunk-signature of chunk 1 was not made with the agent's signing key");
        }
        assertThat(origin.requests()).isEmpty();
    }

    @Test
    void aChunkBeyondTheDecodedLengthIsRefusedWith400() throws Exception {
        String bad = "20000;chunk-signature=" + "a".repeat(64) + "\r\n";
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(head("s3", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 66824, "f".repeat(64)));
            agent.send(bad.getBytes(StandardCharsets.US_ASCII));
            assertThat(agent.readHead()).startsWith("HTTP/1.1 400");
            assertThat(agent.closedByPeer()).isTrue();
        }
        assertThat(origin.requests()).isEmpty();
    }

    private String head(String connection, String contentSha256, int contentLength, String agentSignature) {
        return "PUT http://127.0.0.1:" + origin.port() + "/" + connection + "/bucket/key HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + origin.port() + "\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=nexus-placeholder/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host, Signature=" + agentSignature + "\r\n"
                + "X-Amz-Date: 20130524T000000Z\r\nX-Amz-Content-Sha256: " + contentSha256 + "\r\n"
                + "Content-Encoding: aws-chunked\r\nX-Amz-Decoded-Content-Length: " + DECODED_LENGTH + "\r\n"
                + (contentSha256.endsWith("TRAILER") ? "X-Amz-Trailer: x-amz-checksum-crc32\r\n" : "")
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }
}
