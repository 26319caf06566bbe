package dev.nexus.proxy.strategy;

import java.util.List;

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

    /** Every field: a path connection's credentials exist only to be rendered into the path and query. */
    @Override
    public List<String> secretValues(Lease lease) {
        return lease.credentials().values().stream().filter(value -> !value.isEmpty()).toList();
    }

    @Override
    public String toString() {
        return "path";
    }
}
