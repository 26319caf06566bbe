package dev.nexus.proxy.strategy;

import dev.nexus.policy.model.StrategyType;

/** Guards strategies that sign the body against a caller that forgot to buffer it. */
final class BodyRequirement {

    private BodyRequirement() {
    }

    /**
     * A {@code null} body is the empty body only when the head declares none; otherwise signing would
     * silently produce a signature over the wrong bytes, which is a wiring bug in the caller.
     */
    static void check(OutboundRequest request, StrategyType type) {
        if (request.body() == null && request.declaresBody()) {
            throw new IllegalStateException("strategy " + type.wireName()
                    + " signs the body, but the request declares a body that was not buffered");
        }
    }
}
