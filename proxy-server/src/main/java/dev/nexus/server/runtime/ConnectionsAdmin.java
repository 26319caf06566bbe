package dev.nexus.server.runtime;

import dev.nexus.proxy.credentials.LeaseProvider;
import dev.nexus.proxy.credentials.cache.LeaseCache;
import dev.nexus.proxy.credentials.cache.LeaseView;
import dev.nexus.proxy.credentials.reconsent.ReconsentingLeases;
import dev.nexus.server.admin.AdminResponse;
import dev.nexus.server.admin.AdminRoute;
import dev.nexus.server.admin.AdminRouter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The admin API's view of connections: {@code GET /admin/connections} (cached leases, connections waiting for a
 * human to re-consent with their consent link, connections switched after a re-consent),
 * {@code GET /admin/connections/attention} (only those waiting), and {@code POST /admin/connections/{id}/invalidate}.
 * Never a credential: lease state and timing, connection ids and consent links.
 */
final class ConnectionsAdmin {

    private final LeaseCache cache;
    private final LeaseProvider leases;
    /** {@code null} when {@code authority.nexus.reconsent} is not configured. */
    private final ReconsentingLeases reconsent;

    private ConnectionsAdmin(LeaseCache cache, LeaseProvider leases, ReconsentingLeases reconsent) {
        this.cache = cache;
        this.leases = leases;
        this.reconsent = reconsent;
    }

    /**
     * @param leases    what the data plane asks (invalidation goes through it, so a switched connection drops the
     *                  lease of the connection that serves it now)
     * @param reconsent the re-consent wrapper, or {@code null}
     */
    static void register(AdminRouter admin, LeaseCache cache, LeaseProvider leases, ReconsentingLeases reconsent) {
        ConnectionsAdmin view = new ConnectionsAdmin(cache, leases, reconsent);
        admin.add(AdminRoute.get("/admin/connections", request -> AdminResponse.json(200, view.connections())));
        admin.add(AdminRoute.get("/admin/connections/attention", request -> AdminResponse.json(200,
                Map.of("attention", view.attention()))));
        admin.add(AdminRoute.post("/admin/connections/{id}/invalidate", request -> {
            String id = request.pathParameter("id");
            leases.invalidate(id);
            return CompletableFuture.completedFuture(AdminResponse.json(200, Map.of("invalidated", id)));
        }));
    }

    private Map<String, Object> connections() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("connections", cache.view().stream().map(ConnectionsAdmin::describe).toList());
        body.put("attention", attention());
        body.put("switched", switched());
        return body;
    }

    /** Connections waiting for a human, as this replica knows them, with the link the human opens. */
    private List<Map<String, Object>> attention() {
        if (reconsent == null) {
            return List.of();
        }
        return reconsent.pending().stream().map(consent -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("connection", consent.connectionId());
            fields.put("consent_url", consent.consentUrl());
            fields.put("new_connection", consent.newConnectionId());
            fields.put("since", String.valueOf(consent.since()));
            return fields;
        }).toList();
    }

    /** Connections a completed re-consent replaced, with the connection that serves them now. */
    private List<Map<String, Object>> switched() {
        if (reconsent == null) {
            return List.of();
        }
        return reconsent.switched().entrySet().stream().map(entry -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("connection", entry.getKey());
            fields.put("served_by", entry.getValue());
            return fields;
        }).toList();
    }

    /** One cached lease: state and timing, never a credential. */
    private static Map<String, Object> describe(LeaseView view) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("connection", view.connectionId());
        fields.put("state", view.state().name().toLowerCase(Locale.ROOT));
        fields.put("strategy", view.strategyType());
        fields.put("fetched_at", String.valueOf(view.fetchedAt()));
        fields.put("expires_at", String.valueOf(view.expiresAt()));
        fields.put("refresh_at", String.valueOf(view.refreshAt()));
        fields.put("last_used_at", String.valueOf(view.lastUsedAt()));
        return fields;
    }
}
