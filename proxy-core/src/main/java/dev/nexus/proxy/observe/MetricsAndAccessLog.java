package dev.nexus.proxy.observe;

/**
 * The production {@link ProxyEvents}: every observation becomes Prometheus metrics, and every
 * finished request or tunnel one access-log line. Both sinks are non-blocking.
 */
public final class MetricsAndAccessLog implements ProxyEvents {

    private final ProxyMetrics metrics;
    private final AccessLog accessLog;

    public MetricsAndAccessLog(ProxyMetrics metrics, AccessLog accessLog) {
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    @Override
    public void clientConnectionOpened() {
        metrics.connectionOpened(ProxyMetrics.Side.CLIENT);
    }

    @Override
    public void clientConnectionClosed() {
        metrics.connectionClosed(ProxyMetrics.Side.CLIENT);
    }

    @Override
    public void upstreamConnectionOpened(long connectNanos) {
        metrics.connectionOpened(ProxyMetrics.Side.UPSTREAM);
        metrics.upstreamConnected(connectNanos);
    }

    @Override
    public void upstreamConnectionClosed() {
        metrics.connectionClosed(ProxyMetrics.Side.UPSTREAM);
    }

    @Override
    public void malformedRequest(MalformedReason reason) {
        metrics.malformedRequest(reason);
    }

    @Override
    public void redacted(String route, RedactionChannel channel, long count) {
        metrics.redactions(route, channel, count);
    }

    @Override
    public void exchangeCompleted(ExchangeRecord record) {
        accessLog.log(record);
        metrics.requestCompleted(record.method(), record.status(), record.route(), record.protocol(),
                record.durationNanos());
        if (record.grpc() != null) {
            metrics.grpcCompleted(record.route(), record.grpc().status());
        }
        // Bodies pass through unchanged (apart from signing), so what came in goes out the other side.
        metrics.bytes(ProxyMetrics.Direction.CLIENT_IN, record.bytesIn());
        metrics.bytes(ProxyMetrics.Direction.UPSTREAM_OUT, record.bytesIn());
        metrics.bytes(ProxyMetrics.Direction.UPSTREAM_IN, record.bytesOut());
        metrics.bytes(ProxyMetrics.Direction.CLIENT_OUT, record.bytesOut());
        if ("CONNECT".equals(record.method())) {
            metrics.tunnel(tunnelOutcome(record.status()));
        }
    }

    private static TunnelOutcome tunnelOutcome(int status) {
        return switch (status) {
            case 200 -> TunnelOutcome.ESTABLISHED;
            case 403 -> TunnelOutcome.DENIED;
            case 504 -> TunnelOutcome.CONNECT_TIMEOUT;
            default -> TunnelOutcome.CONNECT_FAILED;
        };
    }
}
