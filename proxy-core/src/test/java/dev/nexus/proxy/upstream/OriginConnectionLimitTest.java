package dev.nexus.proxy.upstream;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.RawConnection;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.transport.Transport;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The per-origin connection limit is one limit over all I/O threads, an idle connection on one thread gives
 * its slot up to a request waiting on another, and a stalled request body is answered 408 and gives its
 * upstream connection back instead of holding it.
 */
class OriginConnectionLimitTest {

    private final List<CompletableFuture<FullHttpResponse>> held = new ArrayList<>();
    private TestOrigin origin;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        held.forEach(answer -> answer.complete(TestOrigin.text(HttpResponseStatus.OK, "late")));
        if (proxy != null) {
            proxy.close();
        }
        if (origin != null) {
            origin.close();
        }
    }

    private ProxyHarness proxyWithTwoThreads(int perOrigin) throws InterruptedException {
        return ProxyHarness.builder().transport(Transport.select("auto"), 2)
                .settings(b -> b.maxConnectionsPerHost(perOrigin).connectTimeout(Duration.ofSeconds(1)))
                .start();
    }

    private String get(String path) {
        return "GET " + origin.url(path) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @Test
    void theLimitHoldsAcrossIoThreads() throws Exception {
        origin = TestOrigin.start(request -> {
            CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
            held.add(answer);
            return answer;
        });
        proxy = proxyWithTwoThreads(2);
        List<RawConnection> agents = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) { // accepted round-robin: two connections on each I/O thread
                RawConnection agent = new RawConnection(proxy.address());
                agents.add(agent);
                agent.send(get("/slow"));
            }
            // Which two get the slots depends on dispatch order: read every answer in the background.
            List<CompletableFuture<String>> heads = new ArrayList<>();
            for (RawConnection agent : agents) {
                heads.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return agent.readHead();
                    } catch (java.io.IOException e) {
                        return e.toString();
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> heads.stream().filter(CompletableFuture::isDone).count() == 2);
            assertThat(heads.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join))
                    .allMatch(head -> head.startsWith("HTTP/1.1 503"));
            assertThat(held).hasSize(2);
            assertThat(origin.connectionsAccepted()).isEqualTo(2);

            held.forEach(answer -> answer.complete(TestOrigin.text(HttpResponseStatus.OK, "done")));
            await().atMost(Duration.ofSeconds(5)).until(() -> heads.stream().allMatch(CompletableFuture::isDone));
            assertThat(heads.stream().map(CompletableFuture::join).filter(head -> head.startsWith("HTTP/1.1 200")))
                    .hasSize(2);
        } finally {
            for (RawConnection agent : agents) {
                agent.close();
            }
        }
    }

    @Test
    void anIdleConnectionOnAnotherThreadGivesItsSlotToAWaitingRequest() throws Exception {
        origin = TestOrigin.start();
        proxy = proxyWithTwoThreads(1);
        try (RawConnection first = new RawConnection(proxy.address());
             RawConnection second = new RawConnection(proxy.address())) {
            first.send(get("/a"));
            assertThat(first.readHead()).startsWith("HTTP/1.1 200"); // its upstream connection is now idle
            second.send(get("/b"));
            assertThat(second.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.requests()).hasSize(2);
    }

    @Test
    void aConnectionFreedOnOneThreadServesARequestWaitingOnAnother() throws Exception {
        origin = TestOrigin.start(request -> {
            if (!request.uri().equals("/slow")) {
                return CompletableFuture.completedFuture(TestOrigin.text(HttpResponseStatus.OK, "quick"));
            }
            CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
            held.add(answer);
            return answer;
        });
        proxy = ProxyHarness.builder().transport(Transport.select("auto"), 2)
                .settings(b -> b.maxConnectionsPerHost(1).connectTimeout(Duration.ofSeconds(3))).start();
        try (RawConnection first = new RawConnection(proxy.address());
             RawConnection second = new RawConnection(proxy.address())) {
            first.send(get("/slow"));
            await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 1);
            second.send(get("/quick")); // on the other I/O thread: waits for the one slot
            held.get(0).complete(TestOrigin.text(HttpResponseStatus.OK, "slow"));

            assertThat(first.readHead()).startsWith("HTTP/1.1 200");
            assertThat(second.readHead()).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aStalledBodyGets408AndItsUpstreamConnectionIsFreed() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.start(b -> b.maxConnectionsPerHost(1).connectTimeout(Duration.ofSeconds(1))
                .requestBodyTimeout(Duration.ofMillis(300)), ProxyHarness.ALLOW_ALL);
        try (RawConnection slow = new RawConnection(proxy.address())) {
            slow.send("POST " + origin.url("/upload") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
            String answer = slow.readUntilClosed();
            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"")
                    .contains("no request body bytes received for 300 ms");
        }
        try (RawConnection next = new RawConnection(proxy.address())) {
            next.send(get("/after"));
            assertThat(next.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.requests()).extracting(r -> r.uri()).containsExactly("/after");
    }

    @Test
    void aBodyThatKeepsArrivingIsNotCut() throws Exception {
        origin = TestOrigin.start();
        proxy = ProxyHarness.start(b -> b.requestBodyTimeout(Duration.ofSeconds(1)), ProxyHarness.ALLOW_ALL);
        try (RawConnection agent = new RawConnection(proxy.address())) {
            agent.send("POST " + origin.url("/form") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n");
            for (int i = 0; i < 6; i++) { // 6 x 300 ms: longer than the timeout in total, never a 1 s gap
                await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
                agent.send("x");
            }
            assertThat(agent.readHead()).startsWith("HTTP/1.1 200");
        }
        assertThat(origin.lastRequest().bodyText()).isEqualTo("xxxxxx");
    }
}
