package dev.nexus.proxy.identity;

import dev.nexus.proxy.exchange.AgentIdentity;
import dev.nexus.policy.pattern.AgentPattern;

import java.util.List;
import java.util.Set;

/**
 * Maps an identity to a metric label value with bounded cardinality. Labels come only from
 * configuration: agents-file names, source-map names, and configured SPIFFE IDs or patterns
 * ({@code spiffe://prod/ns/billing/*}, labelled by the pattern text). Anything else, such as the
 * CN of some other certificate the trust bundle happens to accept, folds into {@link #OTHER}, so a
 * caller cannot grow the metrics registry.
 */
public final class AgentLabels {

    /** The label of identities not named in configuration. */
    static final String OTHER = "other";
    /** The label when no identity applies (identity not configured, or the request was refused first). */
    static final String NONE = "none";

    private final Set<String> names;
    private final AgentPattern[] patterns;

    /**
     * @param names    exact identity names that get their own label
     * @param patterns identity globs; an identity matching one is labelled with the pattern text
     */
    public AgentLabels(Set<String> names, List<AgentPattern> patterns) {
        this.names = Set.copyOf(names);
        this.patterns = patterns.toArray(AgentPattern[]::new);
    }

    /** The bounded label for {@code identity} ({@code null} gives {@link #NONE}); allocation free. */
    public String label(AgentIdentity identity) {
        if (identity == null) {
            return NONE;
        }
        if (identity.method() == AgentIdentity.Method.ANONYMOUS) {
            return AgentIdentity.ANONYMOUS.name();
        }
        String name = identity.name();
        if (names.contains(name)) {
            return name;
        }
        for (AgentPattern pattern : patterns) {
            if (pattern.matches(name)) {
                return pattern.source();
            }
        }
        return OTHER;
    }
}
