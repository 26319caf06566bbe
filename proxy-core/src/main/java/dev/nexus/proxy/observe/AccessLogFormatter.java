package dev.nexus.proxy.observe;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Turns an {@link ExchangeRecord} into one JSON object on one line, with fields in a fixed order:
 * {@code time, client, method, scheme, host, port, path, status, bytes_in, bytes_out, duration_ms,
 * upstream_connect_ms, route, decision, protocol}, and on gRPC calls {@code grpc_method, grpc_status} after them.
 * Absent values are JSON {@code null}.
 *
 * <p>Hand-written rather than a general JSON library so the output is exactly this shape and every
 * string goes through {@link #appendString}, which escapes quotes, backslashes and control characters
 * (a host or path from an agent can contain anything). The path loses its query string and fragment.
 */
public final class AccessLogFormatter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final double NANOS_PER_MILLI = 1_000_000.0;

    private AccessLogFormatter() {
    }

    /** Appends the JSON line for {@code entry} to {@code out}, without a trailing newline. */
    public static void format(ExchangeRecord entry, StringBuilder out) {
        out.append("{\"time\":\"");
        LogTimestamps.append(out, entry.epochMillis());
        out.append('"');
        out.append(",\"client\":");
        appendString(out, clientAddress(entry.client()));
        out.append(",\"method\":");
        appendString(out, entry.method());
        out.append(",\"scheme\":");
        appendString(out, entry.scheme());
        out.append(",\"host\":");
        appendString(out, entry.host());
        out.append(",\"port\":").append(entry.port());
        out.append(",\"path\":");
        appendString(out, LoggedPaths.withoutQuery(entry.path()));
        out.append(",\"status\":").append(entry.status());
        out.append(",\"bytes_in\":").append(entry.bytesIn());
        out.append(",\"bytes_out\":").append(entry.bytesOut());
        out.append(",\"duration_ms\":");
        appendMillis(out, entry.durationNanos());
        out.append(",\"upstream_connect_ms\":");
        if (entry.upstreamConnectNanos() < 0) {
            out.append("null");
        } else {
            appendMillis(out, entry.upstreamConnectNanos());
        }
        out.append(",\"route\":");
        appendString(out, entry.route());
        out.append(",\"decision\":");
        appendString(out, entry.decision());
        out.append(",\"protocol\":");
        appendString(out, entry.protocol());
        if (entry.grpc() != null) {
            out.append(",\"grpc_method\":");
            appendString(out, entry.grpc().method());
            out.append(",\"grpc_status\":");
            if (entry.grpc().status() == ExchangeRecord.Grpc.NO_STATUS) {
                out.append("null");
            } else {
                out.append(entry.grpc().status());
            }
        }
        out.append('}');
    }

    private static String clientAddress(InetSocketAddress client) {
        if (client == null) {
            return null;
        }
        InetAddress address = client.getAddress();
        String host = address != null ? address.getHostAddress() : client.getHostString();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + client.getPort() : host + ":" + client.getPort();
    }

    /** Milliseconds with microsecond precision, e.g. {@code 1.234}. */
    private static void appendMillis(StringBuilder out, long nanos) {
        long micros = nanos / 1_000;
        out.append(micros / 1_000).append('.');
        long fraction = micros % 1_000;
        if (fraction < 100) {
            out.append('0');
        }
        if (fraction < 10) {
            out.append('0');
        }
        out.append(fraction);
    }

    /** Appends {@code value} as a JSON string literal, or {@code null}. */
    static void appendString(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    // Control characters, DEL and the JavaScript line separators would break line-based readers.
                    if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
