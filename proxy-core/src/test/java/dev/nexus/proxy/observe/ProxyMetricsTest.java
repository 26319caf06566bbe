package dev.nexus.proxy.observe;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.nexus.proxy.observe.MetricValues.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ProxyMetricsTest {

    private PrometheusRegistry registry;
    private ProxyMetrics metrics;

    @BeforeEach
    void setUp() {
        registry = new PrometheusRegistry();
        metrics = new ProxyMetrics(registry);
    }

    @Test
    void countsRequestsByMethodStatusClassRouteAndProtocol() {
        metrics.requestCompleted("GET", 200, "github", "h1", 1_000_000);
        metrics.requestCompleted("GET", 204, "github", "h1", 1_000_000);
        metrics.requestCompleted("GET", 200, "github", "h2", 1_000_000);
        metrics.requestCompleted("POST", 502, "github", "h2c", 1_000_000);

        assertEquals(2.0, value(registry, "nexus_requests", "method", "GET", "status_class", "2xx", "route", "github",
                "protocol", "h1"));
        assertEquals(1.0, value(registry, "nexus_requests", "method", "GET", "status_class", "2xx", "route", "github",
                "protocol", "h2"));
        assertEquals(1.0, value(registry, "nexus_requests", "method", "POST", "status_class", "5xx", "route", "github",
                "protocol", "h2c"));
        assertEquals(4.0, value(registry, "nexus_request_duration_seconds", "route", "github"));
    }

    @Test
    void countsGrpcCallsByFinalStatusNameWithinAFixedSet() {
        metrics.grpcCompleted("vectors", 0);
        metrics.grpcCompleted("vectors", 0);
        metrics.grpcCompleted("vectors", 16);
        metrics.grpcCompleted("vectors", 99);
        metrics.grpcCompleted(null, -1);

        assertEquals(2.0, value(registry, "nexus_grpc_requests", "route", "vectors", "grpc_code", "OK"));
        assertEquals(1.0, value(registry, "nexus_grpc_requests", "route", "vectors", "grpc_code", "UNAUTHENTICATED"));
        assertEquals(1.0, value(registry, "nexus_grpc_requests", "route", "vectors", "grpc_code", "UNKNOWN"));
        assertEquals(1.0, value(registry, "nexus_grpc_requests", "route", "none", "grpc_code", "none"));
    }

    @Test
    void foldsUnknownMethodsMissingRoutesAndOddStatuses() {
        metrics.requestCompleted("PROPFIND", 404, null, "h1", 1);
        metrics.requestCompleted(null, 0, null, "h3", 1);

        assertEquals(1.0, value(registry, "nexus_requests", "method", "OTHER", "status_class", "4xx", "route", "none",
                "protocol", "h1"));
        assertEquals(1.0, value(registry, "nexus_requests", "method", "OTHER", "status_class", "other", "route", "none",
                "protocol", "other"));
    }

    @Test
    void countsRedactionsByRouteAndChannel() {
        metrics.redactions("github", RedactionChannel.HEADER, 2);
        metrics.redactions("github", RedactionChannel.HEADER, 1);
        metrics.redactions("github", RedactionChannel.BODY, 0);
        metrics.redactions(null, RedactionChannel.WEBSOCKET, 4);

        assertEquals(3.0, value(registry, "nexus_redactions", "route", "github", "channel", "header"));
        assertEquals(4.0, value(registry, "nexus_redactions", "route", "none", "channel", "websocket"));
    }

    @Test
    void tracksActiveConnectionsPerSide() {
        metrics.connectionOpened(ProxyMetrics.Side.CLIENT);
        metrics.connectionOpened(ProxyMetrics.Side.CLIENT);
        metrics.connectionOpened(ProxyMetrics.Side.UPSTREAM);
        metrics.connectionClosed(ProxyMetrics.Side.CLIENT);

        assertEquals(1.0, value(registry, "nexus_active_connections", "side", "client"));
        assertEquals(1.0, value(registry, "nexus_active_connections", "side", "upstream"));
    }

    @Test
    void countsBytesTunnelsMalformedRequestsAndConnectLatency() {
        metrics.bytes(ProxyMetrics.Direction.CLIENT_IN, 100);
        metrics.bytes(ProxyMetrics.Direction.UPSTREAM_OUT, 100);
        metrics.bytes(ProxyMetrics.Direction.UPSTREAM_OUT, 28);
        metrics.tunnel(TunnelOutcome.ESTABLISHED);
        metrics.malformedRequest(MalformedReason.OBS_FOLD);
        metrics.upstreamConnected(2_000_000);

        assertEquals(100.0, value(registry, "nexus_bytes", "direction", "client_in"));
        assertEquals(128.0, value(registry, "nexus_bytes", "direction", "upstream_out"));
        assertEquals(0.0, value(registry, "nexus_bytes", "direction", "client_out"));
        assertEquals(1.0, value(registry, "nexus_tunnels", "outcome", "established"));
        assertEquals(0.0, value(registry, "nexus_tunnels", "outcome", "denied"));
        assertEquals(1.0, value(registry, "nexus_malformed_requests", "reason", "obs_fold"));
        assertEquals(1.0, value(registry, "nexus_upstream_connect_seconds"));
    }

    @Test
    void recordingARequestDoesNotAllocateOnceCompiled() {
        // Rounds of the same loop: the first ones resolve label children and run interpreted (which
        // allocates); once the JIT has compiled the path, a round must allocate nothing.
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 20 && fewest > 0; round++) {
            fewest = Math.min(fewest, bytesAllocatedRecording(100_000));
        }
        assertEquals(0, fewest, "bytes allocated by the best round of 100000 recorded requests");
    }

    private long bytesAllocatedRecording(int requests) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < requests; i++) {
            metrics.requestCompleted("GET", 200 + i % 300, "github", (i & 1) == 0 ? "h1" : "h2", i);
            metrics.bytes(ProxyMetrics.Direction.CLIENT_OUT, i);
            metrics.upstreamConnected(i);
        }
        // A loop of its own: in one loop with the histograms above the JIT inlines less, and the Prometheus
        // histogram's observe then allocates (an AtomicBoolean it otherwise scalar-replaces).
        for (int i = 0; i < requests; i++) {
            metrics.grpcCompleted("github", i % 17);
        }
        return threads.getThreadAllocatedBytes(thread) - before;
    }
}
