package dev.nexus.server.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.streams.StreamInfo;
import dev.nexus.proxy.streams.StreamKind;
import dev.nexus.server.admin.AdminRouter;
import dev.nexus.server.admin.AdminServer;
import dev.nexus.server.config.Secret;
import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /admin/streams} on a real admin listener: open streams and tunnels grouped by agent. */
class StreamsEndpointTest {

    private static final String TOKEN = "streams-admin-token-0123456789";

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private AdminServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        loop.shutdownGracefully();
    }

    @Test
    void listsOpenStreamsAndTunnelsPerAgent() throws Exception {
        LiveStreams streams = new LiveStreams();
        AgentIdentity alice = new AgentIdentity("alice", AgentIdentity.Method.PROXY_AUTH);
        Instant opened = Instant.parse("2030-01-01T00:00:00Z");
        streams.register(StreamKind.WEBSOCKET, new StreamInfo(alice, "chat", "chat-conn", "ws.example", 443, opened),
                reason -> { }, loop, null);
        streams.register(StreamKind.TUNNEL, new StreamInfo(alice, "git", null, "git.example", 443, opened.plusSeconds(1)),
                reason -> { }, loop, null);
        streams.register(StreamKind.HTTP, new StreamInfo(null, "events", "feed", "sse.example", 443, opened.plusSeconds(2)),
                reason -> { }, loop, null).close();
        AdminRouter router = new AdminRouter();
        StreamsEndpoint.register(router, streams);
        admin = AdminServer.start("127.0.0.1", 0, Secret.of(TOKEN), router);

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + admin.localAddress().getPort() + "/admin/streams"))
                        .header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode agents = new ObjectMapper().readTree(response.body()).get("agents");
        assertThat(agents).hasSize(1);
        JsonNode group = agents.get(0);
        assertThat(group.get("agent").asText()).isEqualTo("alice");
        assertThat(group.get("streams").asInt()).isEqualTo(1);
        assertThat(group.get("tunnels").asInt()).isEqualTo(1);
        assertThat(group.get("open").get(0).get("kind").asText()).isEqualTo("websocket");
        assertThat(group.get("open").get(0).get("connection").asText()).isEqualTo("chat-conn");
        assertThat(group.get("open").get(1).get("kind").asText()).isEqualTo("tunnel");
        assertThat(group.get("open").get(1).get("connection").isNull()).isTrue();
    }
}
