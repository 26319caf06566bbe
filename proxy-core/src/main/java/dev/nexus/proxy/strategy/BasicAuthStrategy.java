package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import io.netty.handler.codec.http.HttpHeaderNames;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code basic_auth}: {@code Authorization: Basic base64(username:password)} (RFC 7617, UTF-8), with
 * the two values read from {@code username_field} (default {@code username}) and
 * {@code password_field} (default {@code password}).
 */
final class BasicAuthStrategy implements CredentialStrategy {

    private final String usernameField;
    private final String passwordField;

    BasicAuthStrategy(String usernameField, String passwordField) {
        this.usernameField = usernameField;
        this.passwordField = passwordField;
    }

    @Override
    public StrategyType type() {
        return StrategyType.BASIC_AUTH;
    }

    @Override
    public boolean needsBody() {
        return false;
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        request.headers().remove(HttpHeaderNames.AUTHORIZATION);
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
        String username = CredentialFields.require(lease, StrategyType.BASIC_AUTH, usernameField);
        String password = CredentialFields.require(lease, StrategyType.BASIC_AUTH, passwordField);
        byte[] pair = (username + ':' + password).getBytes(StandardCharsets.UTF_8);
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + Base64.getEncoder().encodeToString(pair));
    }

    @Override
    public String toString() {
        return "basic_auth[username_field=" + usernameField + ", password_field=" + passwordField + "]";
    }
}
