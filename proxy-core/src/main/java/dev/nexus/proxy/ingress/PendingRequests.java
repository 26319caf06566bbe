package dev.nexus.proxy.ingress;

import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Requests an agent pipelined behind the one in flight (HTTP/1.1 allows it): their decoded pieces wait
 * here, in order, with reading paused, and run one after the other as each exchange ends.
 */
final class PendingRequests {

    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    private boolean draining;

    void add(HttpObject piece) {
        queued.add(piece);
    }

    boolean isEmpty() {
        return queued.isEmpty();
    }

    /**
     * Hands waiting pieces to {@code dispatch} while {@code ready} says the connection can take them.
     * Re-entrant calls (a dispatched request that finishes at once) return immediately: the outer call
     * goes on with the next piece.
     */
    void run(BooleanSupplier ready, Consumer<HttpObject> dispatch) {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!queued.isEmpty() && ready.getAsBoolean()) {
                dispatch.accept(queued.poll());
            }
        } finally {
            draining = false;
        }
    }

    /** Drops everything still waiting (the connection is closing). */
    void releaseAll() {
        HttpObject piece;
        while ((piece = queued.poll()) != null) {
            ReferenceCountUtil.release(piece);
        }
    }
}
