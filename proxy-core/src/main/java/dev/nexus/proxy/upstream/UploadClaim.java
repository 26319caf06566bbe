package dev.nexus.proxy.upstream;

/**
 * A place in an origin's {@link UploadShare}, held by one request while its body is still arriving. Confined to
 * the event loop of the request that holds it.
 */
public final class UploadClaim {

    private final UploadShare share;
    private final UpstreamKey key;
    private boolean released;

    UploadClaim(UploadShare share, UpstreamKey key) {
        this.share = share;
        this.key = key;
    }

    /** The body is complete, or the exchange ended: the place goes to the next upload waiting. Idempotent. */
    public void release() {
        if (!released) {
            released = true;
            share.release(key);
        }
    }
}
