package dev.nexus.proxy.relay;

import dev.nexus.proxy.testing.Curl;
import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.RecordedRequest;
import dev.nexus.proxy.testing.TestOrigin;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain HTTP forwarding through the proxy with stock clients against a real origin. */
class ForwardingTest {

    private TestOrigin origin;
    private ProxyHarness proxy;

    @BeforeEach
    void start() throws Exception {
        origin = TestOrigin.start(TestOrigin.Responder.of(request ->
                TestOrigin.text(HttpResponseStatus.OK, "you sent " + request.method() + " " + request.uri()
                        + " body=" + request.bodyText())));
        proxy = ProxyHarness.start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        origin.close();
    }

    @Test
    void jdkClientGetsTheOriginsResponse() throws Exception {
        HttpResponse<String> response = proxy.client().send(
                HttpRequest.newBuilder(URI.create(origin.url("/hello?x=1"))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("you sent GET /hello?x=1 body=");
        assertThat(response.headers().firstValue("via")).hasValue("1.1 nexus-proxy");
    }

    @Test
    void originSeesOriginFormTargetHostFromTheTargetAndNoHopByHopHeaders() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET " + origin.url("/path?q=a%20b") + " HTTP/1.1\r\n"
                    + "Host: spoofed.example\r\n"
                    + "Connection: keep-alive, X-Drop-Me\r\n"
                    + "X-Drop-Me: secret-ish\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\n"
                    + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                    + "TE: trailers\r\n"
                    + "Upgrade: h2c\r\n"
                    + "X-Kept: yes\r\n\r\n");
            String head = agent.readHead();
            assertThat(head).startsWith("HTTP/1.1 200");
        }
        RecordedRequest seen = origin.lastRequest();
        assertThat(seen.uri()).isEqualTo("/path?q=a%20b");
        assertThat(seen.header("host")).isEqualTo("127.0.0.1:" + origin.port());
        assertThat(seen.header("via")).isEqualTo("1.1 nexus-proxy");
        assertThat(seen.header("x-kept")).isEqualTo("yes");
        for (String hopByHop : new String[]{"x-drop-me", "keep-alive", "proxy-connection", "proxy-authorization",
                "te", "upgrade"}) {
            assertThat(seen.headers().contains(hopByHop)).as(hopByHop).isFalse();
        }
    }

    @Test
    void keepAliveReusesOneUpstreamConnectionForSequentialRequests() throws Exception {
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = proxy.client().send(
                    HttpRequest.newBuilder(URI.create(origin.url("/n/" + i))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("you sent GET /n/" + i + " body=");
        }
        assertThat(origin.connectionsAccepted()).isEqualTo(1);
        assertThat(proxy.events().clientOpened.get()).isEqualTo(1);
    }

    @Test
    void postBodyArrivesIntact() throws Exception {
        HttpResponse<String> response = proxy.client().send(
                HttpRequest.newBuilder(URI.create(origin.url("/submit")))
                        .POST(HttpRequest.BodyPublishers.ofString("name=nexus&kind=proxy")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.body()).isEqualTo("you sent POST /submit body=name=nexus&kind=proxy");
    }

    @Test
    void chunkedRequestBodyIsForwarded() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("POST " + origin.url("/chunked") + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            String head = agent.readHead();
            assertThat(head).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.lastRequest().bodyText()).isEqualTo("hello world");
    }

    @Test
    void http10ClientGetsACompleteResponseAndTheConnectionCloses() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET " + origin.url("/old") + " HTTP/1.0\r\n\r\n");
            String all = agent.readUntilClosed();
            assertThat(all).startsWith("HTTP/1.1 200").contains("connection: close")
                    .endsWith("you sent GET /old body=");
        }
        assertThat(origin.lastRequest().header("via")).isEqualTo("1.0 nexus-proxy");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("GET " + origin.url("/first") + " HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET " + origin.url("/second") + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String all = agent.readUntilClosed();
            assertThat(all.indexOf("you sent GET /first")).isPositive()
                    .isLessThan(all.indexOf("you sent GET /second"));
        }
    }

    @Test
    void headResponseHasNoBodyAndTheConnectionStaysUsable() throws Exception {
        HttpResponse<String> head = proxy.client().send(
                HttpRequest.newBuilder(URI.create(origin.url("/h"))).method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        HttpResponse<String> after = proxy.client().send(
                HttpRequest.newBuilder(URI.create(origin.url("/after"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(after.body()).isEqualTo("you sent GET /after body=");
    }

    @Test
    void curlThroughTheProxyWorks() throws Exception {
        Curl.Result curl = Curl.run("-x", proxy.proxyUrl(), "-d", "from=curl", origin.url("/curl"));
        assertThat(curl.exitCode()).as(curl.stderr()).isZero();
        assertThat(curl.stdout()).isEqualTo("you sent POST /curl body=from=curl");
    }

    @Test
    void everyExchangeIsRecordedWithoutTheQueryString() throws Exception {
        proxy.client().send(HttpRequest.newBuilder(URI.create(origin.url("/logged?token=abc"))).build(),
                HttpResponse.BodyHandlers.ofString());
        org.awaitility.Awaitility.await().until(() -> !proxy.events().exchanges.isEmpty());
        var record = proxy.events().exchanges.get(0);
        assertThat(record.path()).isEqualTo("/logged");
        assertThat(record.status()).isEqualTo(200);
        assertThat(record.method()).isEqualTo("GET");
        assertThat(record.bytesOut()).isEqualTo("you sent GET /logged?token=abc body=".length());
        assertThat(record.toString()).doesNotContain("token=abc");
    }
}
