package dev.nexus.policy.parse;

import java.util.List;

/**
 * Every key the parser accepts, per object, in the order the documentation lists them.
 * Unknown keys are errors; the JSON Schema is tested against these lists so the two cannot drift.
 */
public final class PolicyKeys {

    public static final List<String> DOCUMENT = List.of("version", "defaults", "routes");
    public static final List<String> DEFAULTS = List.of("action", "message");
    public static final List<String> ROUTE = List.of("name", "match", "action", "connection", "connection_choices",
            "connection_header", "strategy", "message",
            "intercept_tls", "strip_request_headers", "timeout", "max_body_bytes", "unsigned_payload",
            "redact_responses", "allow_private_cidrs", "max_stream_lifetime", "on_credential_expiry",
            "max_tunnel_lifetime", "replay_buffer_bytes");
    public static final List<String> MATCH = List.of("hosts", "ports", "schemes", "methods", "paths", "paths_ignore_case", "agents");
    public static final List<String> STRATEGY = List.of("type", "config");

    private PolicyKeys() {
    }
}
