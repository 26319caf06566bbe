package dev.nexus.policy.model;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The strategy types of the Nexus execution contract (the six of the table plus protocol 0.4's
 * {@code path}), with the config keys each accepts and those it requires (see nexus-protocol.md, "Strategies"). Shared by the policy validator
 * and the strategy implementations so both agree on what a valid config is.
 */
public enum StrategyType {
    HEADER("header", Set.of("header_name", "credential_field", "value_prefix"), Set.of(), false),
    QUERY_PARAM("query_param", Set.of("param_name", "credential_field"), Set.of("param_name"), false),
    BASIC_AUTH("basic_auth", Set.of("username_field", "password_field"), Set.of(), false),
    HMAC_PAYLOAD("hmac_payload", Set.of("header_name", "secret_field", "algo", "encoding"), Set.of("header_name"), true),
    AWS_SIGV4("aws_sigv4", Set.of("region", "service", "agent_secret_key"), Set.of("service"), true),
    OAUTH2("oauth2", Set.of(), Set.of(), false),
    /** Protocol 0.4: only the {@code {field}} templating of path and query, which runs for every type. */
    PATH("path", Set.of(), Set.of(), false);

    private final String wireName;
    private final Set<String> knownKeys;
    private final Set<String> requiredKeys;
    private final boolean signsBody;

    StrategyType(String wireName, Set<String> knownKeys, Set<String> requiredKeys, boolean signsBody) {
        this.wireName = wireName;
        this.knownKeys = knownKeys;
        this.requiredKeys = requiredKeys;
        this.signsBody = signsBody;
    }

    /** The name used on the wire and in policy files, e.g. {@code query_param}. */
    public String wireName() {
        return wireName;
    }

    public Set<String> knownKeys() {
        return knownKeys;
    }

    public Set<String> requiredKeys() {
        return requiredKeys;
    }

    /** Whether applying the strategy needs the request body (so the proxy must buffer it). */
    public boolean signsBody() {
        return signsBody;
    }

    public static Optional<StrategyType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
