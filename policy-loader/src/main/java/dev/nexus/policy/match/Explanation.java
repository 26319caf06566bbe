package dev.nexus.policy.match;

import java.util.List;

/**
 * How a decision was reached, for {@code nexus-proxy policy explain}: the normalised request,
 * every host group and route considered in precedence order with why it matched or not, and the
 * decision.
 */
public record Explanation(List<String> steps, Decision decision) {

    public Explanation {
        steps = List.copyOf(steps);
    }
}
