package dev.nexus.proxy.exchange;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Every error the proxy itself answers an agent with: the HTTP status and the stable {@code error}
 * code of the JSON body ({@link ErrorResponses}). Agents and operators match on {@link #code()}, so a
 * code never changes meaning; the README's error table lists them all.
 */
public enum ErrorCode {
    // The request itself
    BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "bad_request"),
    AMBIGUOUS_PATH(HttpResponseStatus.BAD_REQUEST, "ambiguous_path"),
    REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout"),
    REQUEST_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large"),
    NOT_IMPLEMENTED(HttpResponseStatus.NOT_IMPLEMENTED, "not_implemented"),
    METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed"),
    UNSUPPORTED_REQUEST(HttpResponseStatus.NOT_IMPLEMENTED, "unsupported_request"),
    MALFORMED_REQUEST(HttpResponseStatus.BAD_REQUEST, "malformed_request"),

    TOO_MANY_CONNECTIONS(HttpResponseStatus.SERVICE_UNAVAILABLE, "too_many_connections"),

    // Who the agent is and what the policy lets it do
    PROXY_AUTHENTICATION_REQUIRED(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED, "proxy_authentication_required"),
    UNKNOWN_AGENT(HttpResponseStatus.FORBIDDEN, "unknown_agent"),
    IDENTITY_BUSY(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy"),
    DENIED(HttpResponseStatus.FORBIDDEN, "denied"),
    CONNECTION_REQUIRED(HttpResponseStatus.BAD_REQUEST, "connection_required"),
    CONNECTION_NOT_ALLOWED(HttpResponseStatus.FORBIDDEN, "connection_not_allowed"),

    // Credentials (the Authority's answer, see AgentCredentialError; then the origin's and the strategy's)
    CONNECTION_REVOKED(HttpResponseStatus.FORBIDDEN, "connection_revoked"),
    CONNECTION_NOT_FOUND(HttpResponseStatus.FORBIDDEN, "connection_not_found"),
    CONNECTION_REFUSED(HttpResponseStatus.FORBIDDEN, "connection_refused"),
    ATTENTION_REQUIRED(HttpResponseStatus.CONFLICT, "attention_required"),
    AUTHORITY_RATE_LIMITED(HttpResponseStatus.SERVICE_UNAVAILABLE, "authority_rate_limited"),
    AUTHORITY_UNAVAILABLE(HttpResponseStatus.SERVICE_UNAVAILABLE, "authority_unavailable"),
    INVALID_CONNECTION(HttpResponseStatus.BAD_GATEWAY, "invalid_connection"),
    AUTHORITY_REJECTED_PROXY(HttpResponseStatus.BAD_GATEWAY, "authority_rejected_proxy"),
    UPSTREAM_UNAUTHORIZED(HttpResponseStatus.UNAUTHORIZED, "upstream_unauthorized"),
    CREDENTIAL_STRATEGY_FAILED(HttpResponseStatus.BAD_GATEWAY, "credential_strategy_failed"),
    CREDENTIAL_FAILURE(HttpResponseStatus.BAD_GATEWAY, "credential_failure"),

    // The way to the origin
    DNS_FAILURE(HttpResponseStatus.BAD_GATEWAY, "dns_failure"),
    DESTINATION_NOT_PERMITTED(HttpResponseStatus.FORBIDDEN, "destination_not_permitted"),
    UPSTREAM_CONNECT_FAILED(HttpResponseStatus.BAD_GATEWAY, "upstream_connect_failed"),
    UPSTREAM_CONNECT_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_connect_timeout"),
    UPSTREAM_TLS_FAILED(HttpResponseStatus.BAD_GATEWAY, "upstream_tls_failed"),
    UPSTREAM_CONNECTION_LIMIT(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_connection_limit"),
    BAD_GATEWAY(HttpResponseStatus.BAD_GATEWAY, "bad_gateway"),
    UNSCANNABLE_RESPONSE(HttpResponseStatus.BAD_GATEWAY, "unscannable_response"),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout");

    private final HttpResponseStatus status;
    private final String code;

    ErrorCode(HttpResponseStatus status, String code) {
        this.status = status;
        this.code = code;
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The JSON body's {@code error} field. */
    public String code() {
        return code;
    }
}
