package dev.nexus.proxy.relay;

import dev.nexus.proxy.testing.NxDomainDnsServer;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.ScriptedOrigin;
import dev.nexus.proxy.testing.TestOrigin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the agent sees when the origin, the network or the agent itself misbehaves. */
class UpstreamFailureTest {

    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String get(RawConnection agent, String url) throws IOException {
        agent.send("GET " + url + " HTTP/1.1\r\nHost: x\r\n\r\n");
        return agent.readHead();
    }

    @Test
    void unreachableOriginIs502WithAJsonBody() throws Exception {
        proxy = ProxyHarness.start();
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + closedPort + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).contains("\"error\":\"upstream_connect_failed\"")
                .contains("could not connect to 127.0.0.1:" + closedPort);
    }

    @Test
    void unknownHostIs502NamingTheHost() throws Exception {
        try (NxDomainDnsServer dns = new NxDomainDnsServer()) {
            proxy = ProxyHarness.start(b -> b.dnsServers(List.of(dns.address())).dnsQueryTimeout(Duration.ofSeconds(2)),
                    ProxyHarness.ALLOW_ALL);
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(
                    URI.create("http://no-such-host.test/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).contains("\"error\":\"dns_failure\"")
                    .contains("could not resolve host no-such-host.test");
        }
    }

    @Test
    void originResetMidBodyClosesTheAgentConnectionInsteadOfEndingTheResponse() throws Exception {
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[100]);
            out.flush();
            ScriptedOrigin.reset(socket);
        })) {
            proxy = ProxyHarness.start();
            assertThatThrownBy(() -> proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url("/big"))).build(),
                    HttpResponse.BodyHandlers.ofByteArray())).isInstanceOf(IOException.class);
        }
    }

    @Test
    void closeDelimitedResponseIsReframedSoTruncationIsVisible() throws Exception {
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npartial".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ScriptedOrigin.reset(socket);
        })) {
            proxy = ProxyHarness.start();
            try (RawConnection agent = new RawConnection(proxy.address())) {
                String head = get(agent, origin.url("/"));
                assertThat(head).startsWith("HTTP/1.1 200").contains("transfer-encoding: chunked");
                String rest = agent.readUntilClosed();
                assertThat(rest).contains("partial").doesNotContain("\r\n0\r\n\r\n");
            }
        }
    }

    @Test
    void closeDelimitedResponseThatEndsNormallyGetsItsTerminatingChunk() throws Exception {
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nwhole body".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.close();
        })) {
            proxy = ProxyHarness.start();
            HttpResponse<String> response = proxy.client().send(
                    HttpRequest.newBuilder(URI.create(origin.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("whole body");
        }
    }

    @Test
    void malformedResponseIs502AndTheUpstreamConnectionIsClosed() throws Exception {
        try (ScriptedOrigin origin = new ScriptedOrigin(socket -> {
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        })) {
            proxy = ProxyHarness.start();
            HttpResponse<String> response = proxy.client().send(
                    HttpRequest.newBuilder(URI.create(origin.url("/"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).contains("malformed response");
            assertThat(origin.awaitClosedByProxy(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void originThatNeverAnswersIs504AfterTheResponseTimeout() throws Exception {
        try (TestOrigin origin = TestOrigin.start(request -> new CompletableFuture<>())) {
            proxy = ProxyHarness.start(b -> b.responseTimeout(Duration.ofMillis(300)), ProxyHarness.ALLOW_ALL);
            HttpResponse<String> response = proxy.client().send(
                    HttpRequest.newBuilder(URI.create(origin.url("/slow"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.body()).contains("\"error\":\"upstream_timeout\"");
        }
    }

    @Test
    void slowRequestHeadIs408() throws Exception {
        proxy = ProxyHarness.start(b -> b.requestHeaderTimeout(Duration.ofMillis(300)), ProxyHarness.ALLOW_ALL);
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: x\r\n");
            String response = agent.readUntilClosed();
            assertThat(response).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
        }
    }

    @Test
    void idleClientConnectionIsClosed() throws Exception {
        proxy = ProxyHarness.start(b -> b.clientIdleTimeout(Duration.ofMillis(300)), ProxyHarness.ALLOW_ALL);
        try (RawConnection agent = new RawConnection(proxy.address())) {
            assertThat(agent.closedByPeer()).isTrue();
        }
    }

    @Test
    void requestsBeyondTheConnectionLimitWaitForAFreeConnection() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (TestOrigin origin = TestOrigin.start(request -> release.thenApply(ignored ->
                TestOrigin.text(io.netty.handler.codec.http.HttpResponseStatus.OK, "done " + request.uri())))) {
            proxy = ProxyHarness.start(b -> b.maxConnectionsPerHost(1), ProxyHarness.ALLOW_ALL);
            var first = proxy.client().sendAsync(HttpRequest.newBuilder(URI.create(origin.url("/1"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            var second = proxy.client().sendAsync(HttpRequest.newBuilder(URI.create(origin.url("/2"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().until(() -> origin.requests().size() == 1);
            release.complete(null);
            assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("done /1");
            assertThat(second.get(10, TimeUnit.SECONDS).body()).isEqualTo("done /2");
            assertThat(origin.connectionsAccepted()).isEqualTo(1);
        }
    }
}
