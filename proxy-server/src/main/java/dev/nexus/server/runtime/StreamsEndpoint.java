package dev.nexus.server.runtime;

import dev.nexus.proxy.streams.LiveStreams;
import dev.nexus.proxy.streams.StreamKind;
import dev.nexus.server.admin.AdminResponse;
import dev.nexus.server.admin.AdminRoute;
import dev.nexus.server.admin.AdminRouter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/streams}: the open streams (exchanges and WebSockets carrying an injected credential) and
 * CONNECT tunnels, grouped by agent. Shows routes, connection ids, destinations and ages; never a credential,
 * header or query.
 */
final class StreamsEndpoint {

    /** The agent group of streams opened while identity is not enforced. */
    static final String NO_AGENT = "-";

    private StreamsEndpoint() {
    }

    static void register(AdminRouter router, LiveStreams streams) {
        router.add(AdminRoute.get("/admin/streams", request -> AdminResponse.json(200, describe(streams))));
    }

    static Map<String, Object> describe(LiveStreams streams) {
        Map<String, List<LiveStreams.StreamView>> byAgent = new LinkedHashMap<>();
        for (LiveStreams.StreamView view : streams.view()) {
            String agent = view.info().agent() == null ? NO_AGENT : view.info().agent().name();
            byAgent.computeIfAbsent(agent, name -> new ArrayList<>()).add(view);
        }
        List<Map<String, Object>> agents = new ArrayList<>();
        byAgent.forEach((agent, views) -> {
            Map<String, Object> group = new LinkedHashMap<>();
            group.put("agent", agent);
            group.put("streams", views.stream().filter(view -> view.kind() != StreamKind.TUNNEL).count());
            group.put("tunnels", views.stream().filter(view -> view.kind() == StreamKind.TUNNEL).count());
            group.put("open", views.stream().map(StreamsEndpoint::describe).toList());
            agents.add(group);
        });
        return Map.of("agents", agents);
    }

    private static Map<String, Object> describe(LiveStreams.StreamView view) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("kind", view.kind().wireName());
        fields.put("route", view.info().route());
        fields.put("connection", view.info().connectionId());
        fields.put("host", view.info().host());
        fields.put("port", view.info().port());
        fields.put("opened_at", String.valueOf(view.info().openedAt()));
        return fields;
    }
}
