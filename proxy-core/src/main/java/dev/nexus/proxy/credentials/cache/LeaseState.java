package dev.nexus.proxy.credentials.cache;

/** Where a cached lease is in its life, as seen by the cache. */
public enum LeaseState {
    /** Served; not yet due for refresh. */
    FRESH,
    /** Served; the next use refreshes it in the background. */
    REFRESH_DUE,
    /** Past its usable life (inside the safety margin or past the max age): served only while the Authority is unavailable. */
    STALE
}
