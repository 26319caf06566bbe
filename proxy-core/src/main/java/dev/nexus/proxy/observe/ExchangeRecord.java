package dev.nexus.proxy.observe;

import java.net.SocketAddress;
import java.time.Instant;

/**
 * What happened to one request (or one CONNECT tunnel), for the access log and metrics. Carries no
 * query string, header value or credential: it is written to logs as is.
 *
 * @param start               when the request head arrived
 * @param client              the agent's address
 * @param method              request method ({@code CONNECT} for tunnels)
 * @param scheme              {@code http} or {@code https}
 * @param host                destination host
 * @param port                destination port
 * @param path                path without query string; {@code null} for tunnels
 * @param status              status sent to the agent; 0 when the connection closed before any response
 * @param bytesIn             body bytes received from the agent (tunnels: all bytes)
 * @param bytesOut            body bytes sent to the agent (tunnels: all bytes)
 * @param durationNanos       from request head to the last response byte
 * @param upstreamConnectNanos time spent opening the upstream connection; 0 when a pooled one was reused, -1 when none
 * @param route               the policy route's name, or {@code null} when none matched
 * @param decision            {@code allow}, {@code inject}, {@code deny}, or {@code error} when refused before a decision
 */
public record ExchangeRecord(Instant start, SocketAddress client, String method, String scheme, String host,
                             int port, String path, int status, long bytesIn, long bytesOut, long durationNanos,
                             long upstreamConnectNanos, String route, String decision) {
}
