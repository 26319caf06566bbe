package dev.nexus.proxy.observe;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data plane's Prometheus metrics, registered once in a {@link PrometheusRegistry}.
 *
 * <p>Called from event loops on every request, so label children are resolved once and kept:
 * methods are folded into the standard set plus {@code OTHER}, status codes into classes, protocols and
 * gRPC status codes into their fixed sets, and routes (bounded because they come from policy) get one lazily
 * built {@link RouteSeries} each. A gRPC method is never a label: agents choose it.
 * Exemplars are off (there is no tracer to link them to, and sampling them allocates), so once the
 * JIT has compiled the path, recording does not allocate at all.
 *
 * <p>Series:
 * <ul>
 *   <li>{@code nexus_requests_total{method,status_class,route,protocol="h1|h2|h2c"}}</li>
 *   <li>{@code nexus_grpc_requests_total{route,grpc_code}}: gRPC calls by final status name, {@code none}
 *       when a call ended without one</li>
 *   <li>{@code nexus_request_duration_seconds{route}} (histogram)</li>
 *   <li>{@code nexus_active_connections{side="client|upstream"}} (gauge)</li>
 *   <li>{@code nexus_bytes_total{direction="client_in|client_out|upstream_in|upstream_out"}}</li>
 *   <li>{@code nexus_upstream_connect_seconds} (histogram)</li>
 *   <li>{@code nexus_tunnels_total{outcome}}</li>
 *   <li>{@code nexus_malformed_requests_total{reason}}</li>
 *   <li>{@code nexus_redactions_total{route,channel}}</li>
 * </ul>
 */
public final class ProxyMetrics {

    /** The {@code route} label used when no policy route matched (or policy is not consulted). */
    static final String NO_ROUTE = "none";

    /** Which side of the proxy a connection is on. */
    public enum Side { CLIENT, UPSTREAM }

    /** Which way bytes flowed, seen from the proxy. */
    enum Direction { CLIENT_IN, CLIENT_OUT, UPSTREAM_IN, UPSTREAM_OUT }

    /** Request methods with their own label value; anything else is counted as {@code OTHER}. */
    static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"};
    private static final int OTHER_METHOD = METHODS.length - 1;

    /** Status classes; index 0 collects anything outside 100-599 (e.g. no response sent). */
    static final String[] STATUS_CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

    /** How agents speak to the proxy; anything else (never sent today) is counted as {@code other}. */
    static final String[] PROTOCOLS = {"h1", "h2", "h2c", "other"};
    private static final int OTHER_PROTOCOL = PROTOCOLS.length - 1;

    /**
     * gRPC status names by code (0-16), then {@code none} for a call that ended without a status. A code outside
     * 0-16 counts as {@code UNKNOWN}, as gRPC clients read it.
     */
    static final String[] GRPC_CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
            "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED", "none"};
    private static final int GRPC_UNKNOWN = 2;
    private static final int GRPC_NONE = GRPC_CODES.length - 1;

    /** Seconds; from sub-millisecond (loopback, pooled) to the default 60 s response timeout. */
    private static final double[] DURATION_BUCKETS =
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    /** Seconds; connects are bounded by the connect timeout (default 5 s). */
    private static final double[] CONNECT_BUCKETS =
            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    private static final double NANOS_PER_SECOND = 1_000_000_000.0;

    private final Counter requests;
    private final Counter grpcRequests;
    private final Histogram requestDuration;
    private final Map<String, RouteSeries> routes = new ConcurrentHashMap<>();
    private final GaugeDataPoint[] activeConnections = new GaugeDataPoint[Side.values().length];
    private final CounterDataPoint[] bytes = new CounterDataPoint[Direction.values().length];
    private final DistributionDataPoint upstreamConnect;
    private final Map<TunnelOutcome, CounterDataPoint> tunnels = new EnumMap<>(TunnelOutcome.class);
    private final Map<MalformedReason, CounterDataPoint> malformed = new EnumMap<>(MalformedReason.class);
    private final Counter redactions;

    public ProxyMetrics(PrometheusRegistry registry) {
        requests = Counter.builder()
                .name("nexus_requests_total")
                .help("Requests answered by the proxy, by method, status class, policy route and the protocol the "
                        + "agent spoke (h1, h2, h2c).")
                .labelNames("method", "status_class", "route", "protocol")
                .withoutExemplars()
                .register(registry);
        grpcRequests = Counter.builder()
                .name("nexus_grpc_requests_total")
                .help("gRPC calls answered through the proxy, by policy route and final grpc-status name "
                        + "(none: the call ended without one).")
                .labelNames("route", "grpc_code")
                .withoutExemplars()
                .register(registry);
        requestDuration = Histogram.builder()
                .name("nexus_request_duration_seconds")
                .help("Time from the request's first byte to the last byte of the response, by policy route.")
                .labelNames("route")
                .classicOnly()
                .classicUpperBounds(DURATION_BUCKETS)
                .withoutExemplars()
                .register(registry);

        Gauge active = Gauge.builder()
                .name("nexus_active_connections")
                .help("Open connections, client (agent to proxy) and upstream (proxy to origin).")
                .labelNames("side")
                .withoutExemplars()
                .register(registry);
        for (Side side : Side.values()) {
            activeConnections[side.ordinal()] = active.labelValues(label(side));
        }

        Counter bytesTotal = Counter.builder()
                .name("nexus_bytes_total")
                .help("Bytes read and written by the proxy, by direction.")
                .labelNames("direction")
                .withoutExemplars()
                .register(registry);
        for (Direction direction : Direction.values()) {
            bytes[direction.ordinal()] = bytesTotal.labelValues(label(direction));
        }

        upstreamConnect = Histogram.builder()
                .name("nexus_upstream_connect_seconds")
                .help("Time to open a new TCP connection to an origin (pooled reuse is not counted).")
                .classicOnly()
                .classicUpperBounds(CONNECT_BUCKETS)
                .withoutExemplars()
                .register(registry);

        Counter tunnelsTotal = Counter.builder()
                .name("nexus_tunnels_total")
                .help("CONNECT tunnels by outcome.")
                .labelNames("outcome")
                .withoutExemplars()
                .register(registry);
        for (TunnelOutcome outcome : TunnelOutcome.values()) {
            tunnels.put(outcome, tunnelsTotal.labelValues(outcome.label));
        }

        Counter malformedTotal = Counter.builder()
                .name("nexus_malformed_requests_total")
                .help("Requests rejected with 400 before any upstream contact, by framing rule broken.")
                .labelNames("reason")
                .withoutExemplars()
                .register(registry);
        for (MalformedReason reason : MalformedReason.values()) {
            malformed.put(reason, malformedTotal.labelValues(reason.label));
        }

        redactions = Counter.builder()
                .name("nexus_redactions_total")
                .help("Occurrences of an injected secret overwritten in responses to the agent, by route and channel.")
                .labelNames("route", "channel")
                .withoutExemplars()
                .register(registry);
    }

    /**
     * Records one finished request.
     *
     * @param method         the request method as received; non-standard methods count as {@code OTHER}
     * @param status         the status sent to the client, or 0 when none was sent
     * @param route          the policy route's name, or {@code null} for {@link #NO_ROUTE}
     * @param protocol       {@code h1}, {@code h2} or {@code h2c}
     * @param durationNanos  from the first request byte to the last response byte
     */
    public void requestCompleted(String method, int status, String route, String protocol, long durationNanos) {
        RouteSeries series = series(route);
        series.requests(methodIndex(method), statusClassIndex(status), protocolIndex(protocol)).inc();
        series.duration.observe(durationNanos / NANOS_PER_SECOND);
    }

    /**
     * Records the end of one gRPC call.
     *
     * @param grpcStatus the final grpc-status code, or a negative number when the call ended without one
     */
    public void grpcCompleted(String route, int grpcStatus) {
        series(route).grpc(grpcCodeIndex(grpcStatus)).inc();
    }

    public void connectionOpened(Side side) {
        activeConnections[side.ordinal()].inc();
    }

    void connectionClosed(Side side) {
        activeConnections[side.ordinal()].dec();
    }

    void bytes(Direction direction, long count) {
        if (count > 0) {
            bytes[direction.ordinal()].inc(count);
        }
    }

    /** A new upstream TCP connection was established after {@code nanos}. */
    void upstreamConnected(long nanos) {
        upstreamConnect.observe(nanos / NANOS_PER_SECOND);
    }

    void tunnel(TunnelOutcome outcome) {
        tunnels.get(outcome).inc();
    }

    void malformedRequest(MalformedReason reason) {
        malformed.get(reason).inc();
    }

    /** Called at the end of an exchange that redacted something: rare, so the label child is looked up here. */
    void redactions(String route, RedactionChannel channel, long count) {
        if (count > 0) {
            redactions.labelValues(route == null ? NO_ROUTE : route, channel.label).inc(count);
        }
    }

    private RouteSeries series(String route) {
        String name = route == null ? NO_ROUTE : route;
        RouteSeries series = routes.get(name); // get first: computeIfAbsent would allocate a lambda per call
        return series != null ? series : routes.computeIfAbsent(name, RouteSeries::new);
    }

    static int methodIndex(String method) {
        if (method == null) {
            return OTHER_METHOD;
        }
        switch (method) {
            case "GET": return 0;
            case "HEAD": return 1;
            case "POST": return 2;
            case "PUT": return 3;
            case "DELETE": return 4;
            case "PATCH": return 5;
            case "OPTIONS": return 6;
            case "CONNECT": return 7;
            case "TRACE": return 8;
            default: return OTHER_METHOD;
        }
    }

    static int statusClassIndex(int status) {
        return status >= 100 && status <= 599 ? status / 100 : 0;
    }

    static int protocolIndex(String protocol) {
        if (protocol == null) {
            return OTHER_PROTOCOL;
        }
        switch (protocol) {
            case "h1": return 0;
            case "h2": return 1;
            case "h2c": return 2;
            default: return OTHER_PROTOCOL;
        }
    }

    static int grpcCodeIndex(int grpcStatus) {
        if (grpcStatus < 0) {
            return GRPC_NONE;
        }
        return grpcStatus < GRPC_NONE ? grpcStatus : GRPC_UNKNOWN;
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The per-route label children, resolved on first use of each combination of labels. */
    private final class RouteSeries {
        private final String route;
        private final AtomicReferenceArray<CounterDataPoint> requestCounters =
                new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length * PROTOCOLS.length);
        private final AtomicReferenceArray<CounterDataPoint> grpcCounters = new AtomicReferenceArray<>(GRPC_CODES.length);
        private final DistributionDataPoint duration;

        RouteSeries(String route) {
            this.route = route;
            this.duration = requestDuration.labelValues(route);
        }

        CounterDataPoint requests(int methodIndex, int statusClassIndex, int protocolIndex) {
            int slot = (methodIndex * STATUS_CLASSES.length + statusClassIndex) * PROTOCOLS.length + protocolIndex;
            CounterDataPoint point = requestCounters.get(slot);
            if (point == null) {
                // A racing thread may resolve the same child too; labelValues returns the same data point.
                point = requests.labelValues(METHODS[methodIndex], STATUS_CLASSES[statusClassIndex], route,
                        PROTOCOLS[protocolIndex]);
                requestCounters.set(slot, point);
            }
            return point;
        }

        CounterDataPoint grpc(int codeIndex) {
            CounterDataPoint point = grpcCounters.get(codeIndex);
            if (point == null) {
                point = grpcRequests.labelValues(route, GRPC_CODES[codeIndex]);
                grpcCounters.set(codeIndex, point);
            }
            return point;
        }
    }
}
