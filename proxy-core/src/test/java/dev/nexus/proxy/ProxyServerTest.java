package dev.nexus.proxy;

import dev.nexus.proxy.testing.ProxyHarness;
import dev.nexus.proxy.testing.TestOrigin;
import dev.nexus.proxy.transport.Transport;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Listener lifecycle: both transports, several event loops, graceful shutdown. */
class ProxyServerTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void forwardsOnEveryTransportAndWithSeveralEventLoops(Transport transport) throws Exception {
        try (TestOrigin origin = TestOrigin.start();
             ProxyHarness proxy = ProxyHarness.builder().transport(transport, 4).start()) {
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> response = proxy.client().send(
                        HttpRequest.newBuilder(URI.create(origin.url("/t" + i))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.body()).isEqualTo("hello from origin");
            }
            assertThat(proxy.server().transport()).isEqualTo(transport);
        }
    }

    @Test
    void autoPrefersEpollOnLinux() {
        assertThat(Transport.select("auto")).isIn(Transport.EPOLL, Transport.NIO);
        assertThatThrownBy(() -> Transport.select("kqueue")).hasMessageContaining("unknown transport \"kqueue\"");
    }

    @Test
    void shutdownStopsAcceptingAndLetsTheInFlightRequestFinish() throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (TestOrigin origin = TestOrigin.start(request -> release.thenApply(ignored ->
                TestOrigin.text(HttpResponseStatus.OK, "finished during drain")))) {
            ProxyHarness proxy = ProxyHarness.start();
            InetSocketAddress address = proxy.address();
            var inFlight = proxy.client().sendAsync(HttpRequest.newBuilder(URI.create(origin.url("/slow"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().until(() -> origin.requests().size() == 1);

            CompletableFuture<Integer> shutdown = CompletableFuture.supplyAsync(
                    () -> proxy.server().shutdown(Duration.ofSeconds(10)));
            await().until(() -> !proxy.server().isListening());
            assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
                    .isInstanceOf(ConnectException.class);
            assertThat(shutdown).isNotDone();

            release.complete(null);
            HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(response.body()).isEqualTo("finished during drain");
            assertThat(response.headers().firstValue("connection")).hasValue("close");
            assertThat(shutdown.get(10, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void shutdownCutsWhatIsStillBusyAtTheDrainDeadline() throws Exception {
        try (TestOrigin origin = TestOrigin.start(request -> new CompletableFuture<>())) {
            ProxyHarness proxy = ProxyHarness.start();
            var inFlight = proxy.client().sendAsync(HttpRequest.newBuilder(URI.create(origin.url("/never"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().until(() -> origin.requests().size() == 1);
            assertThat(proxy.server().shutdown(Duration.ofMillis(200))).isEqualTo(1);
            assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(java.io.IOException.class);
        }
    }
}
