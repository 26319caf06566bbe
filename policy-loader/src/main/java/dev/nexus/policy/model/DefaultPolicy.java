package dev.nexus.policy.model;

/**
 * The {@code defaults} block: what happens when no route matches. Only {@code allow} and
 * {@code deny} are possible (a default cannot inject).
 *
 * @param message  for {@code deny}, the text returned to the agent, or {@code null}
 * @param location where the block was written, or {@code null} when the built-in default applies
 */
public record DefaultPolicy(ActionType action, String message, SourceLocation location) {

    /** The built-in default: deny. */
    public static final DefaultPolicy DENY = new DefaultPolicy(ActionType.DENY, null, null);
}
