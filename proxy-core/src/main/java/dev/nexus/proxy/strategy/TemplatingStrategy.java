package dev.nexus.proxy.strategy;

import java.util.List;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;

/**
 * Every strategy as {@link Strategies#create} hands it out: the {@code {field}} placeholders of path and
 * query are rendered first ({@link CredentialTemplates}), then the strategy proper applies, so a SigV4 or
 * HMAC signature covers the request exactly as the origin receives it.
 */
final class TemplatingStrategy implements CredentialStrategy {

    private final CredentialStrategy strategy;

    TemplatingStrategy(CredentialStrategy strategy) {
        this.strategy = strategy;
    }

    @Override
    public StrategyType type() {
        return strategy.type();
    }

    @Override
    public boolean needsBody() {
        return strategy.needsBody();
    }

    /** Delegated: aws_sigv4 signs streaming uploads and presigned URLs without buffering their bodies. */
    @Override
    public boolean needsBody(OutboundRequest request) {
        return strategy.needsBody(request);
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
        strategy.stripAgentCredentials(request);
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
        CredentialTemplates.render(request, lease);
        strategy.apply(request, lease);
    }

    /** The strategy's own fields: placeholders render those and non-secret ones (a region, a user name). */
    @Override
    public List<String> secretValues(Lease lease) {
        return strategy.secretValues(lease);
    }

    @Override
    public String toString() {
        return strategy.toString();
    }
}
