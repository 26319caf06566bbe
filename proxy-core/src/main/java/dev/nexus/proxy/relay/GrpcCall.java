package dev.nexus.proxy.relay;

import dev.nexus.proxy.exchange.GrpcRequests;
import dev.nexus.proxy.observe.ExchangeRecord;
import dev.nexus.proxy.observe.audit.AuditEvent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The gRPC call an exchange carries, if its request says {@code application/grpc}: the method for the records,
 * and the final {@code grpc-status}, from the trailers or from the head of a trailers-only response. The status
 * comes last, so the call's audit records wait for it and are written when the exchange is recorded; their
 * time stays the moment each was made.
 */
final class GrpcCall {

    /** The exchange is no gRPC call: nothing is held, nothing recorded. Shared, so it never changes. */
    static final GrpcCall NONE = new GrpcCall(false, null);

    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    /** What gRPC clients make of a status that is not a number (gRPC's UNKNOWN). */
    private static final int UNKNOWN = 2;

    private final boolean call;
    private final String method;
    private int status = ExchangeRecord.Grpc.NO_STATUS;
    private List<AuditEvent.Builder> held;

    private GrpcCall(boolean call, String method) {
        this.call = call;
        this.method = method;
    }

    static GrpcCall of(HttpHeaders requestHeaders, String path) {
        return GrpcRequests.isGrpc(requestHeaders) ? new GrpcCall(true, GrpcRequests.method(path)) : NONE;
    }

    /** The final response head, or the trailers: either may carry the status; the later one wins. */
    void onStatusCarrier(HttpHeaders headers) {
        if (!call) {
            return;
        }
        String value = headers.get(GRPC_STATUS);
        if (value != null) {
            status = parse(value);
        }
    }

    /** Keeps {@code event} until the call's status is known; {@code false} (write it now) when this is no call. */
    boolean hold(AuditEvent.Builder event) {
        if (!call) {
            return false;
        }
        if (held == null) {
            held = new ArrayList<>(2);
        }
        held.add(event);
        return true;
    }

    /** The exchange ends: every held audit event, with method and final status, goes to {@code audit}. */
    void release(Consumer<AuditEvent.Builder> audit) {
        if (held == null) {
            return;
        }
        for (AuditEvent.Builder event : held) {
            audit.accept(event.grpc(method, status));
        }
        held = null;
    }

    /** What the exchange's record says about the call, or {@code null} when it was none. */
    ExchangeRecord.Grpc record() {
        return call ? new ExchangeRecord.Grpc(method, status) : null;
    }

    /** A status code as gRPC writes it (decimal digits); anything else is what clients read as UNKNOWN. */
    private static int parse(String value) {
        if (value.isEmpty() || value.length() > 3) {
            return UNKNOWN;
        }
        int code = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return UNKNOWN;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }
}
