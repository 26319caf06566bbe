package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;
import dev.nexus.proxy.credentials.Lease;

/**
 * {@code path} (protocol 0.4): the credentials travel only in the request's {@code {field}} placeholders
 * (Telegram's {@code /bot{api_key}/getMe}), which every strategy renders; this one adds nothing else.
 */
final class PathStrategy implements CredentialStrategy {

    static final PathStrategy INSTANCE = new PathStrategy();

    private PathStrategy() {
    }

    @Override
    public StrategyType type() {
        return StrategyType.PATH;
    }

    @Override
    public boolean needsBody() {
        return false;
    }

    @Override
    public void stripAgentCredentials(OutboundRequest request) {
    }

    @Override
    public void apply(OutboundRequest request, Lease lease) {
    }

    @Override
    public String toString() {
        return "path";
    }
}
