package dev.nexus.proxy.credentials;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.RouteOptions;
import dev.nexus.policy.model.RedactResponses;
import dev.nexus.proxy.observe.audit.AuditEvent;
import dev.nexus.proxy.observe.audit.AuditOutcome;
import dev.nexus.proxy.services.AgentServices;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.testing.TestAuthority;
import dev.nexus.proxy.testing.TestAuthority.Endpoint;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lifecycle rule 3 for requests with a body (issue 17, part 1): the origin refuses a rotated credential with
 * 401 while the agent streams its body. A body within the replay limit (64 KiB) is sent again, byte for byte,
 * with the refreshed credential; a larger one lets the agent see the 401, and the lease is refreshed anyway so
 * that the agent's retry succeeds; with {@code Expect: 100-continue} nothing of the body is spent before the
 * origin agrees, so even a large body is replayed. The JDK HttpClient is the agent; the Authority and the
 * origins are real servers on loopback.
 */
class CredentialReplayTest {

    @RegisterExtension
    final CredentialScene scene = new CredentialScene();
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private TestAuthority authority;
    private TestOrigin origin;
    private ProxyReplica proxy;

    @BeforeEach
    void start() throws Exception {
        authority = scene.authority();
        origin = scene.add(TestOrigin.start(TestOrigin.Responder.of(this::refuseGenerationZero)));
        AgentServices anonymous = AgentServices.none();
        proxy = scene.replica(replica -> replica
                .agents(new AgentServices(null, audit::add, anonymous.labels(), anonymous.metrics(), null)));
        Secrets.grantTokens(authority, "rotating");
    }

    /** The first credential the Authority hands out has been rotated away at the origin. */
    private FullHttpResponse refuseGenerationZero(RecordedRequest request) {
        if (Secrets.authorization("rotating", 0).equals(request.header("authorization"))) {
            return TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "credential refused");
        }
        return TestOrigin.text(HttpResponseStatus.OK, "stored " + request.bodyLength() + " bytes");
    }

    private static byte[] body(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private HttpRequest.Builder post(String path, HttpRequest.BodyPublisher body) {
        return HttpRequest.newBuilder(URI.create(origin.url("/rotating" + path))).POST(body);
    }

    private List<RecordedRequest> originSaw() {
        return origin.requests().stream().filter(r -> r.uri().startsWith("/rotating/")).toList();
    }

    private List<String> replayReasons() {
        return audit.stream().filter(e -> e.reason() != null).map(AuditEvent::reason).toList();
    }

    @Test
    void aStreamedBodyWithinTheLimitIsReplayedByteForByteWithTheRefreshedCredential() throws Exception {
        byte[] sent = body(40 * 1024);

        HttpResponse<String> response = proxy.send(post("/upload-json", HttpRequest.BodyPublishers.ofByteArray(sent)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("stored " + sent.length + " bytes");
        assertThat(originSaw()).hasSize(2);
        assertThat(originSaw()).extracting(r -> r.header("authorization"))
                .containsExactly(Secrets.authorization("rotating", 0), Secrets.authorization("rotating", 1));
        assertThat(originSaw()).allSatisfy(seen -> assertThat(Arrays.equals(seen.body(), sent)).isTrue());
        assertThat(authority.calls(Endpoint.REFRESH, "rotating")).isEqualTo(1);
        assertThat(replayReasons()).containsExactly("replayed");
        assertThat(audit).filteredOn(e -> "replayed".equals(e.reason()))
                .extracting(AuditEvent::outcome, AuditEvent::upstreamStatus)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AuditOutcome.REFRESHED, 200));
    }

    @Test
    void aChunkedBodyIsReplayedToo() throws Exception {
        byte[] sent = body(10_000);
        // A publisher of unknown length makes the JDK client send Transfer-Encoding: chunked.
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(sent));

        HttpResponse<String> response = proxy.send(post("/chunked", chunked));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(originSaw()).hasSize(2).allSatisfy(seen -> assertThat(seen.body()).isEqualTo(sent));
    }

    @Test
    void aBodyOverTheLimitLetsTheAgentSee401ButTheRetryCarriesTheRefreshedCredential() throws Exception {
        byte[] sent = body(200 * 1024);

        HttpResponse<String> refused = proxy.send(post("/big", HttpRequest.BodyPublishers.ofByteArray(sent)));
        HttpResponse<String> retried = proxy.send(post("/big", HttpRequest.BodyPublishers.ofByteArray(sent)));

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).isEqualTo("credential refused");
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(originSaw()).extracting(r -> r.header("authorization"))
                .containsExactly(Secrets.authorization("rotating", 0), Secrets.authorization("rotating", 1));
        assertThat(originSaw().get(1).body()).isEqualTo(sent);
        assertThat(authority.calls(Endpoint.REFRESH, "rotating")).isEqualTo(1);
        assertThat(replayReasons()).containsExactly("refreshed_no_replay");
    }

    @Test
    void aRouteWithoutAReplayCopyLetsTheAgentSeeTheFirst401() throws Exception {
        AgentServices anonymous = AgentServices.none();
        proxy = scene.replica(replica -> replica
                .policy(request -> new Decision.Inject("route-rotating", "no replay copy", new RouteOptions(false,
                        List.of(), null, RouteOptions.DEFAULT_MAX_BODY_BYTES, false, RedactResponses.FULL,
                        RouteOptions.Lifetimes.UNLIMITED, 0), address -> true, "rotating", null))
                .agents(new AgentServices(null, audit::add, anonymous.labels(), anonymous.metrics(), null)));

        HttpResponse<String> refused = proxy.send(post("/small", HttpRequest.BodyPublishers.ofString("{\"a\":1}")));
        HttpResponse<String> retried = proxy.send(post("/small", HttpRequest.BodyPublishers.ofString("{\"a\":1}")));

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(replayReasons()).containsExactly("refreshed_no_replay");
    }

    @Test
    void aRefreshedCredentialStillRefusedIsPassedThroughAfterOneReplay() throws Exception {
        origin = scene.add(TestOrigin.start(TestOrigin.Responder.of(
                request -> TestOrigin.text(HttpResponseStatus.UNAUTHORIZED, "credential refused"))));

        HttpResponse<String> response = proxy.send(post("/x", HttpRequest.BodyPublishers.ofString("{\"a\":1}")));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(originSaw()).hasSize(2).allSatisfy(seen -> assertThat(seen.bodyText()).isEqualTo("{\"a\":1}"));
        assertThat(authority.calls(Endpoint.REFRESH, "rotating")).isEqualTo(1);
        assertThat(replayReasons()).containsExactly("passed_through");
    }

    @Test
    void withExpectContinueALargeBodyWaitsForTheOriginAndIsSentOnceWithTheRefreshedCredential() throws Exception {
        byte[] sent = body(1024 * 1024);
        List<Integer> bodyBytesReceived = new CopyOnWriteArrayList<>();
        try (ScriptedOrigin strict = new ScriptedOrigin(
                (socket, head) -> answerAfterHead(socket, head, bodyBytesReceived))) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(strict.url("/rotating/upload")))
                    .expectContinue(true).POST(HttpRequest.BodyPublishers.ofByteArray(sent));

            HttpResponse<String> response = proxy.send(request);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("stored " + sent.length + " bytes");
            assertThat(strict.requestHeads()).hasSize(2);
            assertThat(strict.requestHeads().get(0)).contains(Secrets.authorization("rotating", 0));
            assertThat(strict.requestHeads().get(1)).contains(Secrets.authorization("rotating", 1));
        }
        // The refused attempt got no body byte: the whole body went once, to the accepted attempt.
        assertThat(bodyBytesReceived).containsExactly(0, sent.length);
        assertThat(replayReasons()).containsExactly("replayed");
    }

    /**
     * An origin that honours 100-continue: the stale credential is refused from the head alone (reading
     * nothing of the body); the fresh one gets 100 Continue, then the body is read and its size answered.
     */
    private static void answerAfterHead(Socket socket, String head, List<Integer> bodyBytesReceived)
            throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        if (head.contains(Secrets.authorization("rotating", 0))) {
            out.write(("HTTP/1.1 401 Unauthorized\r\ncontent-length: 18\r\n\r\n"
                    + "credential refused").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            bodyBytesReceived.add(in.readAllBytes().length); // everything until the proxy gives the connection up
            return;
        }
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        int length = Integer.parseInt(head.lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                .findFirst().orElseThrow().substring("content-length:".length()).trim());
        byte[] received = in.readNBytes(length);
        bodyBytesReceived.add(received.length);
        String answer = "stored " + received.length + " bytes";
        out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + answer.length() + "\r\nconnection: close\r\n\r\n" + answer)
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
