package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import io.netty.handler.codec.http.HttpHeaderNames;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

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
        request.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + encodedPair(username, password));
    }

    private static String encodedPair(String username, String password) {
        return Base64.getEncoder().encodeToString((username + ':' + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<String> secretValues(Lease lease) {
        List<String> values = CredentialFields.present(lease, usernameField, passwordField);
        if (values.size() == 2) {
            values.add(encodedPair(values.get(0), values.get(1)));
        }
        return values;
    }

    @Override
    public String toString() {
        return "basic_auth[username_field=" + usernameField + ", password_field=" + passwordField + "]";
    }
}
