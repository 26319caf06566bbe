package dev.nexus.proxy.relay;

import dev.nexus.proxy.upstream.UploadClaim;
import dev.nexus.proxy.upstream.UpstreamKey;
import dev.nexus.proxy.upstream.HttpUpstreams;
import io.netty.util.concurrent.Future;

import java.util.function.Consumer;

/**
 * Keeps requests whose body is still arriving to their share of an origin's connections
 * ({@code upstream.upload_share_percent}): before such a request takes a connection it claims a place in the share,
 * and it gives the place back as soon as its body is complete. While it waits for a place the body is read on, up to
 * {@link #READ_AHEAD_BYTES} (or {@link #READ_AHEAD_PIECES} pieces, so a body sent a byte at a time costs little to
 * hold): a small body that completes meanwhile needs no place and goes on at once, so a quick upload never queues
 * behind slow ones. Confined to the agent connection's event loop.
 */
final class UploadShareStage {

    static final int READ_AHEAD_BYTES = 64 * 1024;
    static final int READ_AHEAD_PIECES = 64;

    private final HttpUpstreams pool;
    private final ReadGate clientGate;
    private final RequestForwarder forwarder;
    private final boolean requestHasBody;
    private UploadClaim claim;
    /** The place being waited for; a late answer to a wait given up is given back. */
    private Future<UploadClaim> waiting;
    /** What runs once the place is there (or the body complete): set while {@link #waiting}. */
    private Runnable connect;

    UploadShareStage(HttpUpstreams pool, ReadGate clientGate, RequestForwarder forwarder, boolean requestHasBody) {
        this.pool = pool;
        this.clientGate = clientGate;
        this.forwarder = forwarder;
        this.requestHasBody = requestHasBody;
    }

    /**
     * Runs {@code connect} once the request may take a connection to {@code key}: at once unless its body is still
     * arriving and it holds no place yet. {@code failed} hears why no place was free in time.
     */
    void beforeConnecting(UpstreamKey key, Runnable connect, Consumer<Throwable> failed) {
        if (!bodyArriving() || claim != null) {
            connect.run();
            return;
        }
        Future<UploadClaim> claiming = pool.claimUploadPlace(key);
        if (claiming.isSuccess()) {
            claim = claiming.getNow();
            connect.run();
            return;
        }
        this.connect = connect;
        waiting = claiming;
        clientGate.set(ReadGate.AWAITING_UPSTREAM, readAheadFull());
        claiming.addListener(done -> onAnswer(claiming, failed));
    }

    private void onAnswer(Future<UploadClaim> answered, Consumer<Throwable> failed) {
        if (answered != waiting) {
            if (answered.isSuccess()) {
                answered.getNow().release(); // the body completed or the exchange ended meanwhile
            }
            return;
        }
        Runnable next = connect;
        waiting = null;
        connect = null;
        if (answered.isSuccess()) {
            claim = answered.getNow();
            next.run();
        } else {
            failed.accept(answered.cause());
        }
    }

    /** After every piece of the body the forwarder took: a complete body gives its place back, or needs none. */
    void afterBodyPiece() {
        if (bodyArriving()) {
            if (waiting != null && readAheadFull()) {
                clientGate.close(ReadGate.AWAITING_UPSTREAM);
            }
            return;
        }
        Runnable next = connect;
        release();
        if (next != null) {
            next.run();
        }
    }

    /** The body is complete or the exchange ended: the place, held or waited for, is given up. */
    void release() {
        if (claim != null) {
            claim.release();
            claim = null;
        }
        if (waiting != null) {
            Future<UploadClaim> givenUp = waiting;
            waiting = null;
            connect = null;
            givenUp.cancel(false);
        }
    }

    private boolean bodyArriving() {
        return requestHasBody && !forwarder.complete();
    }

    private boolean readAheadFull() {
        return forwarder.holdsAtLeast(READ_AHEAD_BYTES, READ_AHEAD_PIECES);
    }
}
