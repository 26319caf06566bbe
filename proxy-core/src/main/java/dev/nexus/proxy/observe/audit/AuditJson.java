package dev.nexus.proxy.observe.audit;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.nexus.proxy.observe.LogTimestamps;

/**
 * Formats an {@link AuditEvent} as one JSON object on one line. Absent values are left out rather
 * than written as {@code null}, so lines stay short and {@code jq 'select(.connection)'} works.
 */
final class AuditJson {

    private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();

    private AuditJson() {
    }

    static void format(AuditEvent event, StringBuilder out) {
        out.append("{\"time\":\"");
        LogTimestamps.append(out, event.timeMillis());
        out.append("\",\"outcome\":\"").append(event.outcome().wireName()).append('"');
        if (event.agent() != null) {
            field(out, "agent", event.agent().name());
            field(out, "agent_method", event.agent().method().wireName());
        }
        field(out, "route", event.route());
        field(out, "action", event.action());
        field(out, "connection", event.connection());
        field(out, "scheme", event.scheme());
        field(out, "host", event.host());
        if (event.port() >= 0) {
            out.append(",\"port\":").append(event.port());
        }
        field(out, "method", event.method());
        field(out, "path", event.path());
        if (event.upstreamStatus() >= 0) {
            out.append(",\"upstream_status\":").append(event.upstreamStatus());
        }
        field(out, "strategy", event.strategy());
        if (event.leaseAgeMillis() >= 0) {
            out.append(",\"lease_age_ms\":").append(event.leaseAgeMillis());
        }
        field(out, "reason", event.reason());
        if (event.redactions() >= 0) {
            out.append(",\"redactions\":").append(event.redactions());
        }
        field(out, "protocol", event.protocol());
        field(out, "grpc_method", event.grpcMethod());
        if (event.grpcStatus() >= 0) {
            out.append(",\"grpc_status\":").append(event.grpcStatus());
        }
        out.append('}');
    }

    private static void field(StringBuilder out, String name, String value) {
        if (value == null) {
            return;
        }
        out.append(",\"").append(name).append("\":\"");
        JSON.quoteAsString(value, out);
        out.append('"');
    }
}
