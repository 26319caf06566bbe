package dev.nexus.proxy.decision;

import dev.nexus.policy.match.Decision;
import dev.nexus.policy.match.PolicyRequest;

/**
 * The routing policy as the data plane sees it: one call per request or CONNECT, on the event loop,
 * so it must be fast and must not block. proxy-server backs it with the hot-reloaded compiled policy.
 */
@FunctionalInterface
public interface PolicyDecider {

    Decision decide(PolicyRequest request);
}
