package dev.nexus.proxy.observe;

import dev.nexus.policy.match.Decision;

import java.net.InetSocketAddress;

/**
 * What happened to one request or CONNECT tunnel, for the access log and metrics. Built on the event
 * loop, formatted later on the log's own thread, so it holds raw values (epoch millis, socket address,
 * nanos) and leaves all string work to the formatter.
 *
 * <p>{@code path} may be given with a query string: the formatter drops everything from the
 * first {@code ?} or {@code #}, because queries can carry credentials. No header values are
 * ever part of an entry.
 *
 * @param epochMillis            when the request arrived
 * @param client                 the agent's address, or {@code null} if unknown
 * @param method                 request method as received
 * @param scheme                 {@code http} or {@code https} ({@code https} for CONNECT tunnels)
 * @param host                   destination host as requested
 * @param port                   destination port
 * @param path                   request path (query stripped by the formatter); {@code null} for CONNECT
 * @param status                 status sent to the client, 0 when none was sent
 * @param bytesIn                request body bytes read from the client (tunnels: every byte)
 * @param bytesOut               response body bytes written to the client (tunnels: every byte)
 * @param durationNanos          from the first request byte to the last response byte
 * @param upstreamConnectNanos   time to open the upstream connection: 0 when a pooled one was reused, -1 when none was made
 * @param route                  the policy route's name, or {@code null} when none matched
 * @param decision               {@code allow}, {@code inject}, {@code deny}, {@code refused} when the route
 *                               allowed the destination but its address did not pass the address check
 *                               (SSRF protection: {@code destination_not_permitted}), or {@code error} when
 *                               refused before a decision
 * @param protocol               how the agent spoke to the proxy: {@code h1} (CONNECT tunnels included),
 *                               {@code h2} or {@code h2c}
 * @param grpc                   the gRPC call this exchange carried, or {@code null} when it was no gRPC call
 */
public record ExchangeRecord(
        long epochMillis,
        InetSocketAddress client,
        String method,
        String scheme,
        String host,
        int port,
        String path,
        int status,
        long bytesIn,
        long bytesOut,
        long durationNanos,
        long upstreamConnectNanos,
        String route,
        String decision,
        String protocol,
        Grpc grpc) {

    /**
     * What a gRPC call adds to its record.
     *
     * @param method the method, {@code /package.Service/Method}, or {@code null} when the path did not look like one
     * @param status the final {@code grpc-status} (from the trailers, or the headers of a trailers-only
     *               response), or {@link #NO_STATUS} when the call ended without one
     */
    public record Grpc(String method, int status) {
        public static final int NO_STATUS = -1;
    }

    /**
     * The {@code decision} field for a policy decision that reached the upstream stage: {@code refused} when
     * the destination's address was not permitted, whatever the route said, else {@link #decisionLabel(Decision)}.
     */
    public static String decisionLabel(Decision decision, boolean destinationRefused) {
        return destinationRefused ? "refused" : decisionLabel(decision);
    }

    /** The {@code decision} field for a policy decision; {@code error} when the request was refused before one. */
    public static String decisionLabel(Decision decision) {
        if (decision instanceof Decision.Inject) {
            return "inject";
        }
        if (decision instanceof Decision.Allow) {
            return "allow";
        }
        return decision instanceof Decision.Deny ? "deny" : "error";
    }
}
