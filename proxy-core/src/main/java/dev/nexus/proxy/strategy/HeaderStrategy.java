package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * {@code header}: sets {@code header_name} (default {@code Authorization}) to {@code value_prefix}
 * (default none) immediately followed by {@code credentials[credential_field]} (default
 * {@code api_key}); the prefix is joined as is, so a space must be part of it ({@code "Bearer "}), as in
 * the reference bridge. Blanks around the whole value are dropped, since no origin would read them.
 * {@code oauth2} is the same strategy fixed to
 * {@code Authorization: Bearer <access_token>}.
 */
final class HeaderStrategy implements CredentialStrategy {

    private final StrategyType type;
    private final AsciiString headerName;
    private final String credentialField;
    private final String valuePrefix;

    HeaderStrategy(StrategyType type, String headerName, String credentialField, String valuePrefix) {
        this.type = type;
        this.headerName = AsciiString.cached(headerName);
        this.credentialField = credentialField;
        this.valuePrefix = valuePrefix;
    }

    static HeaderStrategy oauth2() {
        return new HeaderStrategy(StrategyType.OAUTH2, "Authorization", "access_token", "Bearer ");
    }

    @Override
    public StrategyType type() {
        return type;
    }

    @Override
    public boolean needsBody() {
        return false;
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        request.headers().remove(headerName);
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
        String credential = CredentialFields.require(lease, type, credentialField);
        request.headers().set(headerName,
                CredentialFields.headerValue(type, credentialField, valuePrefix.isEmpty() ? credential : valuePrefix + credential));
    }

    @Override
    public List<String> secretValues(Lease lease) {
        return CredentialFields.present(lease, credentialField);
    }

    @Override
    public String toString() {
        return type.wireName() + "[header=" + headerName + ", field=" + credentialField + "]";
    }
}
