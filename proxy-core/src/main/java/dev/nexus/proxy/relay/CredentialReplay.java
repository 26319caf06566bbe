package dev.nexus.proxy.relay;

import dev.nexus.proxy.inject.RequestCredentials;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The replay-on-401 stage of an {@code inject} request (lifecycle rule 3 of the Nexus protocol: drop,
 * refresh, replay once). It keeps what sending the request again needs: a copy of a streamed body up to
 * the route's {@code replay_buffer_bytes} (a signed body is kept by {@link RequestCredentials} already), and with
 * {@code Expect: 100-continue} nothing at all as long as no body byte went out. When the origin answers
 * 401 it decides: swallow the answer and replay, or let the agent see it (the lease is refreshed all the
 * same, so the agent's own retry succeeds).
 */
final class CredentialReplay {

    /** What to do with an origin's 401; {@link #auditReason} is the audit record's {@code reason}. */
    enum Verdict {
        /** Swallow the 401, refresh, send the request again. */
        REPLAY("replayed"),
        /** The body is gone: the agent sees the 401, the lease is refreshed for its retry. */
        PASS_AFTER_REFRESH("refreshed_no_replay"),
        /** Refreshed once already: the agent sees the 401. */
        PASS_THROUGH("passed_through");

        final String auditReason;

        Verdict(String auditReason) {
            this.auditReason = auditReason;
        }
    }

    private final RequestCredentials credentials;
    private final long limitBytes;
    private final ByteBufAllocator alloc;
    private CompositeByteBuf copy;
    private HttpHeaders trailers;
    private boolean copyLost;

    /**
     * @param limitBytes the largest streamed body kept for a replay; 0 keeps none
     */
    CredentialReplay(RequestCredentials credentials, long limitBytes, ByteBufAllocator alloc) {
        this.credentials = credentials;
        this.limitBytes = limitBytes;
        this.alloc = alloc;
    }

    /** Keeps a copy of a streamed body piece about to be forwarded, while the body fits the limit. */
    void keep(HttpContent piece) {
        if (copyLost) {
            return;
        }
        int size = piece.content().readableBytes();
        long kept = copy == null ? 0 : copy.readableBytes();
        if (kept + size > limitBytes) {
            giveUpCopy();
            return;
        }
        if (size > 0) {
            if (copy == null) {
                copy = alloc.compositeBuffer(Integer.MAX_VALUE);
            }
            copy.addComponent(true, piece.content().retainedDuplicate());
        }
        if (piece instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
            trailers = last.trailingHeaders().copy();
        }
    }

    /** No copy is kept from now on: the body cannot be sent again once any of it went out. */
    void giveUpCopy() {
        copyLost = true;
        release();
    }

    /**
     * The origin answered 401.
     *
     * @param requestComplete the agent's request was read to its end
     * @param bodyForwarded   body bytes already went to the origin (with 100-continue, none may have)
     */
    Verdict onUnauthorized(boolean requestComplete, boolean bodyForwarded) {
        if (!credentials.mayRefreshAfterRejection()) {
            return Verdict.PASS_THROUGH;
        }
        boolean bodyAtHand = !bodyForwarded || requestComplete && hasReplayCopy();
        return bodyAtHand ? Verdict.REPLAY : Verdict.PASS_AFTER_REFRESH;
    }

    /** Whether the whole body forwarded so far is at hand again (an empty body trivially is). */
    boolean hasReplayCopy() {
        return !copyLost || credentials.holdsSignedBody();
    }

    /**
     * The body to send after the head once more, as one last piece; {@code null} when no body byte was
     * kept (an empty body, or pieces that still wait in the forwarder).
     */
    LastHttpContent bodyToResend() {
        LastHttpContent signed = credentials.signedBodyToResend();
        if (signed != null) {
            return signed;
        }
        if (copy == null) {
            return null;
        }
        LastHttpContent again = new DefaultLastHttpContent(copy.retainedDuplicate());
        if (trailers != null) {
            again.trailingHeaders().set(trailers);
        }
        return again;
    }

    void release() {
        if (copy != null) {
            copy.release();
            copy = null;
        }
    }
}
