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
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.testing.SigV4VerifyingOrigin;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import static dev.nexus.proxy.strategy.AwsChunkedExample.CHUNK;
import static dev.nexus.proxy.strategy.AwsChunkedExample.DECODED_LENGTH;
import static dev.nexus.proxy.strategy.AwsChunkedExample.body;
import static dev.nexus.proxy.strategy.AwsChunkedExample.chain;
import static dev.nexus.proxy.strategy.AwsChunkedExample.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    @Test
    void aForgedSecondChunkStopsTheBodyThereTheOriginNeverSeesItsBytes() throws Exception {
        byte[] data = data();
        Arrays.fill(data, CHUNK, data.length, (byte) 'b'); // the second chunk's bytes are told apart by their value
        byte[] agentBody = body(data, chain(PLACEHOLDER, "f".repeat(64)));
        String text = new String(agentBody, StandardCharsets.ISO_8859_1);
        int second = text.indexOf(";chunk-signature=", text.indexOf(";chunk-signature=") + 1) + ";chunk-signature=".length();
        agentBody[second] = (byte) (agentBody[second] == '0' ? '1' : '0');
        AtomicReference<byte[]> seenBody = new AtomicReference<>();
        try (ScriptedOrigin recorder = new ScriptedOrigin(socket -> seenBody.set(socket.getInputStream().readAllBytes()));
             RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(head(recorder.port(), "s3-verify", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", agentBody.length, "f".repeat(64)));
            agent.send(agentBody);
            assertThat(agent.readUntilClosed()).startsWith("HTTP/1.1 400").contains("malformed_request")
                    .contains("chunk-signature of chunk 2 was not made with the agent's signing key");
            await().atMost(Duration.ofSeconds(10)).until(() -> seenBody.get() != null);
        }
        String seen = new String(seenBody.get(), StandardCharsets.ISO_8859_1);
        int firstChunkFramed = Integer.toHexString(CHUNK).length() + ";chunk-signature=".length() + 64 + 2 + CHUNK + 2;
        assertThat(seen).doesNotContain("b").doesNotContain("400;chunk-signature=");
        assertThat(seen.length()).isLessThanOrEqualTo(firstChunkFramed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
    void everyStreamingModeReachesAnOriginThatVerifiesItWithTheRealKey(String mode) throws Exception {
        boolean signed = !mode.startsWith("STREAMING-UNSIGNED");
        String[] trailer = mode.endsWith("TRAILER") ? new String[]{"x-amz-checksum-crc32:" + crc32(data())} : new String[0];
        byte[] agentBody = body(data(), signed ? chain(PLACEHOLDER, "f".repeat(64)) : null, trailer);
        try (SigV4VerifyingOrigin verifier = new SigV4VerifyingOrigin(REAL_SECRET);
             RawConnection agent = new RawConnection(proxy.address())) {
            agent.send(head(verifier.port(), "s3-verify", mode, agentBody.length, "f".repeat(64)));
            agent.send(agentBody);
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
            assertThat(verifier.refusals()).isEmpty();
            assertThat(verifier.upload("/s3-verify/bucket/key").data()).isEqualTo(data());
        }
    }

    private static String crc32(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private String head(String connection, String contentSha256, int contentLength, String agentSignature) {
        return head(origin.port(), connection, contentSha256, contentLength, agentSignature);
    }

    private static String head(int port, String connection, String contentSha256, int contentLength, String agentSignature) {
        return "PUT http://127.0.0.1:" + port + "/" + connection + "/bucket/key HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=nexus-placeholder/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host, Signature=" + agentSignature + "\r\n"
                + "X-Amz-Date: 20130524T000000Z\r\nX-Amz-Content-Sha256: " + contentSha256 + "\r\n"
                + "Content-Encoding: aws-chunked\r\nX-Amz-Decoded-Content-Length: " + DECODED_LENGTH + "\r\n"
                + (contentSha256.endsWith("TRAILER") ? "X-Amz-Trailer: x-amz-checksum-crc32\r\n" : "")
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }
}
