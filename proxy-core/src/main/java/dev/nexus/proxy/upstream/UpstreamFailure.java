package dev.nexus.proxy.upstream;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why no upstream connection could be had, with the status the agent receives. Messages name the
 * destination and the cause, never request content.
 */
public final class UpstreamFailure extends Exception {

    /** The failure classes the agent can tell apart by status and error code. */
    public enum Kind {
        DNS_FAILURE(HttpResponseStatus.BAD_GATEWAY, "dns_failure"),
        ADDRESS_NOT_PERMITTED(HttpResponseStatus.FORBIDDEN, "destination_not_permitted"),
        CONNECT_FAILED(HttpResponseStatus.BAD_GATEWAY, "upstream_connect_failed"),
        CONNECT_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_connect_timeout"),
        TLS_FAILURE(HttpResponseStatus.BAD_GATEWAY, "upstream_tls_failed"),
        POOL_EXHAUSTED(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_connection_limit");

        private final HttpResponseStatus status;
        private final String code;

        Kind(HttpResponseStatus status, String code) {
            this.status = status;
            this.code = code;
        }

        public HttpResponseStatus status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;

    public UpstreamFailure(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
