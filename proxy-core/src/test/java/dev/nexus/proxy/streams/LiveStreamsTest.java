package dev.nexus.proxy.streams;

import dev.nexus.proxy.exchange.AgentIdentity;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The registry on a real event loop: it holds exactly the open streams, revokes by connection, fires deadlines. */
class LiveStreamsTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final LiveStreams streams = new LiveStreams();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static StreamInfo info(String connection) {
        return new StreamInfo(new AgentIdentity("agent-1", AgentIdentity.Method.SOURCE), "route", connection,
                "api.example", 443, Instant.now());
    }

    @Test
    void aHundredThousandOpenedAndClosedStreamsLeaveNothingBehind() throws Exception {
        StreamDeadline farAway = new StreamDeadline(Instant.now().plus(Duration.ofHours(1)), StreamEnd.MAX_STREAM_LIFETIME);
        loop.submit(() -> {
            for (int i = 0; i < 100_000; i++) {
                Registration registration = streams.register(StreamKind.HTTP, info("c" + (i % 100)), reason -> { },
                        loop, i % 2 == 0 ? farAway : null);
                if (i % 10_000 == 0) {
                    assertThat(streams.size()).isEqualTo(1);
                }
                registration.close();
            }
        }).get(60, TimeUnit.SECONDS);
        assertThat(streams.size()).isZero();
        assertThat(streams.view()).isEmpty();
        assertThat(streams.revoke("c1")).as("nothing closed is ended again").isZero();
    }

    @Test
    void revokeEndsOnlyTheStreamsOfThatConnection() {
        List<String> ended = new CopyOnWriteArrayList<>();
        streams.register(StreamKind.WEBSOCKET, info("gone"), reason -> ended.add("ws " + reason), loop, null);
        streams.register(StreamKind.HTTP, info("gone"), reason -> ended.add("http " + reason), loop, null);
        streams.register(StreamKind.HTTP, info("kept"), reason -> ended.add("kept " + reason), loop, null);
        streams.register(StreamKind.TUNNEL, info(null), reason -> ended.add("tunnel " + reason), loop, null);

        assertThat(streams.revoke("gone")).isEqualTo(2);
        assertThat(ended).containsExactlyInAnyOrder("ws REVOKED", "http REVOKED");
        assertThat(streams.view()).extracting(LiveStreams.StreamView::kind)
                .containsExactlyInAnyOrder(StreamKind.WEBSOCKET, StreamKind.HTTP, StreamKind.HTTP, StreamKind.TUNNEL);
    }

    @Test
    void aDeadlineEndsTheStreamOnItsLoopUnlessItClosedFirst() {
        List<String> ended = new CopyOnWriteArrayList<>();
        Instant soon = Instant.now().plusMillis(200);
        streams.register(StreamKind.TUNNEL, info(null), reason -> ended.add("due " + reason + " " + loop.inEventLoop()),
                loop, new StreamDeadline(soon, StreamEnd.MAX_TUNNEL_LIFETIME));
        streams.register(StreamKind.HTTP, info("c"), reason -> ended.add("closed early"), loop,
                new StreamDeadline(soon, StreamEnd.CREDENTIAL_EXPIRED)).close();

        await().atMost(Duration.ofSeconds(2)).until(() -> !ended.isEmpty());
        assertThat(Instant.now()).isAfterOrEqualTo(soon);
        assertThat(ended).containsExactly("due MAX_TUNNEL_LIFETIME true");
    }

    @Test
    void theEarliestLimitWinsForAnExchange() {
        Instant opened = Instant.parse("2030-01-01T00:00:00Z");
        var lifetimes = new dev.nexus.policy.match.RouteOptions.Lifetimes(Duration.ofMinutes(10), true, null);
        assertThat(StreamDeadline.forExchange(lifetimes, opened, opened.plusSeconds(60)))
                .isEqualTo(new StreamDeadline(opened.plusSeconds(60), StreamEnd.CREDENTIAL_EXPIRED));
        assertThat(StreamDeadline.forExchange(lifetimes, opened, opened.plusSeconds(3600)))
                .isEqualTo(new StreamDeadline(opened.plusSeconds(600), StreamEnd.MAX_STREAM_LIFETIME));
        assertThat(StreamDeadline.forExchange(lifetimes, opened, null))
                .isEqualTo(new StreamDeadline(opened.plusSeconds(600), StreamEnd.MAX_STREAM_LIFETIME));
        assertThat(StreamDeadline.forExchange(dev.nexus.policy.match.RouteOptions.Lifetimes.UNLIMITED, opened,
                opened.plusSeconds(60))).as("keep is the default").isNull();
    }
}
