package dev.nexus.proxy.credentials.redis;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The store's Prometheus metrics: {@code nexus_redis_available} (0/1), {@code
 * nexus_redis_operations_total{op,outcome}} and {@code nexus_redis_decrypt_failures_total}.
 * Label values come from two small enums, so cardinality is fixed; data points are resolved once
 * so counting on the hot path does no label lookup.
 */
final class RedisStoreMetrics implements AutoCloseable {

    /** A store call that talks to Redis. */
    enum Op {
        READ("read"), PUBLISH("publish"), INVALIDATE("invalidate"),
        LOCK_ACQUIRE("lock_acquire"), LOCK_RELEASE("lock_release"), RATE_LIMIT("rate_limit"), CONSENT("consent");

        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    /** How a call ended: answered by Redis, failed, timed out, or skipped because Redis was unavailable. */
    enum Outcome {
        OK("ok"), ERROR("error"), TIMEOUT("timeout"), UNAVAILABLE("unavailable");

        final String label;

        Outcome(String label) {
            this.label = label;
        }
    }

    private final PrometheusRegistry registry;
    private final GaugeWithCallback available;
    private final Counter operations;
    private final Counter decryptFailures;
    private final Map<Op, Map<Outcome, CounterDataPoint>> operationPoints = new EnumMap<>(Op.class);

    RedisStoreMetrics(PrometheusRegistry registry, BooleanSupplier availability) {
        this.registry = registry;
        this.available = GaugeWithCallback.builder()
                .name("nexus_redis_available")
                .help("1 when the shared Redis lease store answers, 0 while the proxy runs on its local cache only")
                .callback(callback -> callback.call(availability.getAsBoolean() ? 1 : 0))
                .register(registry);
        this.operations = Counter.builder()
                .name("nexus_redis_operations_total")
                .help("Redis lease store calls by operation and outcome")
                .labelNames("op", "outcome")
                .register(registry);
        this.decryptFailures = Counter.builder()
                .name("nexus_redis_decrypt_failures_total")
                .help("Lease records in Redis that could not be decrypted or parsed and were treated as misses")
                .register(registry);
        for (Op op : Op.values()) {
            Map<Outcome, CounterDataPoint> points = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                points.put(outcome, operations.labelValues(op.label, outcome.label));
            }
            operationPoints.put(op, points);
        }
    }

    void record(Op op, Outcome outcome) {
        operationPoints.get(op).get(outcome).inc();
    }

    void decryptFailure() {
        decryptFailures.inc();
    }

    @Override
    public void close() {
        registry.unregister(available);
        registry.unregister(operations);
        registry.unregister(decryptFailures);
    }
}
