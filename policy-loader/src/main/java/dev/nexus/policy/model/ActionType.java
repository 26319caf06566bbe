package dev.nexus.policy.model;

import java.util.Locale;

/** What a route (or the default) does with a matching request. */
public enum ActionType {
    /** Forward with credentials of a connection applied. */
    INJECT,
    /** Forward or tunnel without credentials. */
    ALLOW,
    /** Refuse with 403. */
    DENY;

    /** The spelling used in policy files. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
