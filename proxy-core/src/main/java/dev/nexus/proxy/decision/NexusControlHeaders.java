package dev.nexus.proxy.decision;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The agent-to-sidecar headers of the reference sidecar ({@code X-Nexus-Connection-ID}, {@code X-Nexus-Provider}
 * and every other {@code X-Nexus-*}): they talk to the proxy, never to the origin, so they are removed from every
 * forwarded request, whatever the route. Selection reads them before they go ({@link ConnectionSelection}).
 *
 * <p>{@code X-Nexus-Provider} selects nothing: the gateway's data plane is addressed by connection id only (no call
 * finds a workspace's connection for a provider) and {@code connection_choices} are connection-id patterns, so
 * honouring it would mean guessing a connection the policy never named. docs/nexus-protocol.md says so for users.
 */
public final class NexusControlHeaders {

    /** The reference sidecar's connection choice, honoured where the route offers {@code connection_choices}. */
    public static final String CONNECTION_ID = "X-Nexus-Connection-ID";
    private static final String PREFIX = "x-nexus-";

    private NexusControlHeaders() {
    }

    /** Removes every {@code X-Nexus-*} header. Allocation free when there is none. */
    public static void strip(HttpHeaders headers) {
        List<String> names = null;
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey();
            if (name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
                if (names == null) {
                    names = new ArrayList<>(2);
                }
                names.add(name);
            }
        }
        if (names != null) {
            names.forEach(headers::remove);
        }
    }
}
